/**
 * `PolicySnapshot`: one enforced policy version, as `PolicyHolder` publishes it.
 *
 * @module
 */

import type { CompiledPolicy, LoadedPolicy, Policy, RuleLease } from "../policy/mod.ts";

/** One enforced policy version; never mutated after it is published. */
export interface PolicySnapshot {
  /** Policy name (the file is `NAME.yaml`). */
  name: string;
  /** Path of the policy file. */
  file: string;
  /** The YAML text as loaded (comments included). */
  text: string;
  /** The validated policy. */
  policy: Policy;
  /** Matchers built once, for `decide()`. */
  compiled: CompiledPolicy;
  /** Content hash of the validated policy. */
  hash: string;
  /** The file's `revision`. */
  revision: number;
  /** Local reload counter: 1 for the first policy, +1 for every successful swap. */
  generation: number;
  /** Rule key → lease, for the rules that are not durable. */
  leases: ReadonlyMap<string, RuleLease>;
}

/**
 * The snapshot of `loaded` at `generation`; `revision` overrides the file's (an off-thread
 * load reports it without building the whole policy object).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadPolicyText } from "../policy/mod.ts";
 * import { snapshotOf } from "./policy_snapshot.ts";
 *
 * const loaded = loadPolicyText("version: 1\nrevision: 3\n", "demo.yaml");
 * const snapshot = snapshotOf("demo", loaded, 1);
 * assert.equal(snapshot.revision, 3);
 * assert.equal(snapshot.leases.size, 0);
 * ```
 */
export function snapshotOf(
  name: string,
  loaded: LoadedPolicy,
  generation: number,
  revision = loaded.policy.revision,
): PolicySnapshot {
  return {
    name,
    file: loaded.file,
    text: loaded.text,
    // Read on demand: after an off-thread reload the whole object is built only if asked for.
    get policy() {
      return loaded.policy;
    },
    compiled: loaded.compiled,
    hash: loaded.hash,
    revision,
    generation,
    leases: loaded.leases ?? new Map(),
  };
}
