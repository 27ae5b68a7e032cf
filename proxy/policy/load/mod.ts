/**
 * Load a policy file or text into a compiled policy, on this thread or in the load worker,
 * with its hash and the delta between two revisions.
 *
 * @module
 */

export {
  loadPolicyFile,
  loadPolicyJson,
  loadPolicyText,
  namesProcess,
  realBinaryPath,
} from "./load_policy.ts";
export type { LoadedPolicy } from "./load_policy.ts";
export { LoadWorker } from "./load_worker.ts";
export type { LoadAnswer, LoadSource, LoadWorkerOptions } from "./load_worker.ts";
export { DELTA_MIN_CHARS, policyDelta } from "./policy_delta.ts";
export type { PolicyDelta } from "./policy_delta.ts";
export { policyHash } from "./policy_hash.ts";
