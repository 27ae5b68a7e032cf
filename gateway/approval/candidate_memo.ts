/**
 * The candidate views already computed, by everything a view is computed from: the proposal's
 * patch text and seal, the policy text it would apply to, and the ceiling. A proposal's state
 * is asked for as often as an agent likes (policy.local's status and `/wait`), and each view
 * costs a parse and compile of the whole candidate policy; asked again with nothing changed, it
 * is the same view.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { CeilingView } from "../authority/mod.ts";
import { LruMap } from "../../proxy/lru/mod.ts";

/** Views kept: a sandbox has at most 20 pending proposals; several sandboxes share a store. */
const SIZE = 256;

/** What a candidate view is computed from. */
export interface MemoInputs {
  /** The proposal id. */
  id: string;
  /** Its patch text. */
  text: string;
  /** Its seal. */
  seal: unknown;
  /** The policy text it would apply to. */
  policy: string;
  /** The org ceiling as the checks take it. */
  ceiling?: CeilingView;
}

/**
 * A bounded map of computed views (least recently used goes first).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CandidateMemo } from "./candidate_memo.ts";
 * const memo = new CandidateMemo<string>();
 * const key = memo.key({ id: "p-1", text: "patch", seal: {}, policy: "version: 1\n" });
 * memo.set(key, "view");
 * assert.equal(memo.get(key), "view");
 * assert.equal(memo.get(memo.key({ id: "p-1", text: "patch", seal: {}, policy: "" })), undefined);
 * // One ceiling loaded twice (two compiled objects) is one ceiling; another hash is another.
 * const inputs = (compiled: object, hash: string) =>
 *   memo.key({ id: "p-1", text: "patch", seal: {}, policy: "", ceiling: { compiled, hash } as never });
 * assert.equal(inputs({}, "c1"), inputs({}, "c1"));
 * assert.notEqual(inputs({}, "c1"), inputs({}, "c2"));
 * ```
 */
export class CandidateMemo<V> {
  readonly #views = new LruMap<string, V>(SIZE);
  // A ceiling without its hash is told by its compiled object (one per loaded text).
  readonly #ceilings = new WeakMap<object, number>();
  #nextCeiling = 1;

  /** The key of a view computed from these inputs. */
  key(parts: MemoInputs): string {
    const hash = createHash("sha256");
    for (const part of [parts.id, parts.text, JSON.stringify(parts.seal), parts.policy]) {
      hash.update(part).update("\0");
    }
    return `${hash.digest("hex")}:${this.#ceilingKey(parts.ceiling)}`;
  }

  /** The view kept under `key`, if any. */
  get(key: string): V | undefined {
    return this.#views.get(key);
  }

  /** Keep `view` under `key`. */
  set(key: string, view: V): void {
    this.#views.set(key, view);
  }

  #ceilingKey(ceiling: CeilingView | undefined): string {
    if (ceiling === undefined) return "none";
    if ("error" in ceiling) return `error:${ceiling.error}`;
    // By content: the same ceiling loaded again (pushed out of the policy cache) is the same.
    if (ceiling.hash !== undefined) return `hash:${ceiling.hash}`;
    let id = this.#ceilings.get(ceiling.compiled);
    if (id === undefined) this.#ceilings.set(ceiling.compiled, id = this.#nextCeiling++);
    return `ceiling:${id}`;
  }
}
