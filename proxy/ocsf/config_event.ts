/**
 * Policy lifecycle events (class 5019 Device Config State Change): a policy loaded or
 * failed to load, a proposal was made, approved or rejected, a scoped rule was removed.
 *
 * @module
 */

import { type ConfigState, OCSF_PRODUCT, OCSF_VERSION, type OcsfEvent } from "./types.ts";

/** What a config event may name besides its message. */
export interface ConfigEventMeta {
  /** Policy revision the event refers to (rendered as `version:` in the shorthand). */
  revision?: number;
  /** Policy content hash. */
  hash?: string;
  /** Policy name. */
  policy?: string;
  /** Proposal id, for PROPOSED/APPROVED/REJECTED. */
  proposalId?: string;
  /** The sandbox a REFUSED proposal came from. */
  sandbox?: string;
  /** Event time in ms since the epoch; defaults to now. */
  time?: number;
}

// severity_id, severity, state_id, state caption, status_id per Tollgate state.
const STATES: Record<ConfigState, [number, string, number, string, number]> = {
  LOADED: [1, "Informational", 2, "Enabled", 1],
  APPROVED: [1, "Informational", 2, "Enabled", 1],
  PROPOSED: [1, "Informational", 99, "PROPOSED", 1],
  REJECTED: [2, "Low", 1, "Disabled", 1],
  // A scoped rule ending is routine: its authority was always meant to go.
  REMOVED: [1, "Informational", 1, "Disabled", 1],
  // A failed load keeps the last good policy: the state did not change, the operation failed.
  FAILED: [3, "Medium", 99, "FAILED", 2],
  // A refused proposal changes nothing, but a run of them is a sandbox mapping the ceiling.
  REFUSED: [3, "Medium", 99, "REFUSED", 2],
  // Audit evidence was deleted on purpose (the budget): done as asked, but worth a look.
  PRUNED: [3, "Medium", 99, "PRUNED", 1],
};

/**
 * Build a class 5019 event for a policy lifecycle step.
 *
 * LOADED and APPROVED are Info with state 2 Enabled; PROPOSED is Info with state 99 Other;
 * REJECTED is Low with state 1 Disabled; FAILED is Medium with status Failure. The Tollgate
 * state label sits in `unmapped.config_state`, with `policy_version` (the revision), `hash`,
 * `policy` and `proposal_id` when given. The message is untrusted for rendering purposes:
 * the shorthand escapes its control characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configEvent } from "./config_event.ts";
 * const e = configEvent("LOADED", "Policy reloaded successfully", { revision: 2, hash: "3f2a" });
 * assert(e.class_uid === 5019 && e.state_id === 2);
 * ```
 */
export function configEvent(
  state: ConfigState,
  message: string,
  meta: ConfigEventMeta = {},
): OcsfEvent {
  const [severityId, severity, stateId, stateName, statusId] = STATES[state];
  const unmapped: Record<string, unknown> = { config_state: state };
  if (meta.revision !== undefined) unmapped.policy_version = meta.revision;
  if (meta.hash !== undefined) unmapped.hash = meta.hash;
  if (meta.policy !== undefined) unmapped.policy = meta.policy;
  if (meta.proposalId !== undefined) unmapped.proposal_id = meta.proposalId;
  if (meta.sandbox !== undefined) unmapped.sandbox = meta.sandbox;
  return {
    class_uid: 5019,
    class_name: "Device Config State Change",
    category_uid: 5,
    category_name: "Discovery",
    activity_id: 1,
    activity_name: "Log",
    type_uid: 501901,
    type_name: "Device Config State Change: Log",
    time: meta.time ?? Date.now(),
    severity_id: severityId,
    severity,
    status_id: statusId,
    status: statusId === 1 ? "Success" : "Failure",
    message,
    metadata: { product: { ...OCSF_PRODUCT }, version: OCSF_VERSION },
    state_id: stateId,
    state: stateName,
    unmapped,
  };
}
