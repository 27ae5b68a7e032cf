/**
 * The gateway's memory of the policies it loaded: the last few loaded texts (the current
 * policies and the candidates status reads computed), reused while the text is the same. A status read, a submit and an approval all start
 * from the current policy; on a 10,000-rule file each load is hundreds of ms, so they share one,
 * and an approval loads only the new text it writes (and leaves that here for the next reader).
 *
 * @module
 */

import { LruMap } from "../../proxy/lru/mod.ts";
import { type LoadedPolicy, loadPolicyText } from "../../proxy/policy/mod.ts";

/**
 * The last few loaded policies, keyed on their file name and exact text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache } from "./policy_cache.ts";
 * const cache = new PolicyCache();
 * const a = cache.load("version: 1\n", "team.yaml");
 * assert(cache.load("version: 1\n", "team.yaml") === a && cache.loads === 1);
 * ```
 */
export class PolicyCache {
  readonly #byText: LruMap<string, LoadedPolicy>;
  #loads = 0;

  /**
   * A cache of the last `size` loaded texts.
   *
   * @param size how many loaded texts to keep (the current policies and a few candidates)
   */
  constructor(size = 8) {
    this.#byText = new LruMap(size);
  }

  /** How many texts were actually parsed and compiled (a cache hit does not count). */
  get loads(): number {
    return this.#loads;
  }

  /**
   * The loaded form of `text` as `file`, parsed only when this exact text was not loaded lately.
   *
   * @throws {PolicyValidationError} when the text is not a valid policy
   */
  load(text: string, file: string): LoadedPolicy {
    const key = `${file}\n${text}`;
    const known = this.#byText.get(key);
    if (known) return known;
    this.#loads++;
    const loaded = loadPolicyText(text, file);
    this.#byText.set(key, loaded);
    return loaded;
  }
}
