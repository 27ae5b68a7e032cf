/**
 * The gateway's one binding to the OCSF module (`proxy/ocsf/mod.ts`). Until its exports land,
 * this file holds a small private stand-in with the same names.
 *
 * @module
 */

/** One OCSF event (JSON object). */
export type OcsfEvent = Record<string, unknown>;

/** Config state labels the gateway emits. */
export type ConfigState = "LOADED" | "FAILED" | "PROPOSED" | "APPROVED" | "REJECTED";

const STATE_IDS: Record<ConfigState, number> = {
  LOADED: 2,
  FAILED: 99,
  PROPOSED: 99,
  APPROVED: 2,
  REJECTED: 1,
};

/**
 * A Device Config State Change (5019) event.
 *
 * @example
 * ```ts
 * import { configEvent } from "./_ocsf.ts";
 * console.assert(configEvent("APPROVED", "ok").class_uid === 5019);
 * ```
 */
export function configEvent(
  state: ConfigState,
  message: string,
  extra: { revision?: number; hash?: string; policy?: string; proposalId?: string } = {},
): OcsfEvent {
  const severityId = state === "REJECTED" ? 2 : state === "FAILED" ? 3 : 1;
  return {
    class_uid: 5019,
    class_name: "Device Config State Change",
    category_uid: 5,
    activity_id: 99,
    type_uid: 501999,
    time: Date.now(),
    severity_id: severityId,
    state_id: STATE_IDS[state],
    state: state,
    message,
    unmapped: {
      state_label: state,
      policy_version: extra.revision,
      policy_hash: extra.hash,
      policy: extra.policy,
      proposal_id: extra.proposalId,
    },
  };
}
