/**
 * What the proposal operations (submit, approve, reject, recover) share: the policies
 * directory, a clock, the event sinks, the Git layout, and a hook before each approval step.
 *
 * @module
 */

import type { OcsfEvent } from "../../proxy/ocsf/mod.ts";
import type { PolicyCache } from "../repo/mod.ts";
import type { ProposalState } from "./proposal_files.ts";
import type { CeilingView } from "../authority/mod.ts";
import type { Policy } from "../../proxy/policy/mod.ts";
import type { CeilingRefusals } from "./ceiling_refusals.ts";
import type { AutoApprovalMemo } from "./auto_approval_count.ts";

/** A change the store made, for in-process listeners (the gateway's push, waiting agents). */
export type StoreChange =
  | { kind: "proposal"; id: string; state: ProposalState; policy: string }
  | {
    kind: "policy";
    name: string;
    revision: number;
    hash: string;
    /** The new text, when the change was just written (pushed without re-reading the file). */
    text?: string;
    /** The text's validated policy (pushed beside it as JSON). */
    policy?: Policy;
    /** The rule an approval added to the policy of hash `from` (`PublishedPolicy.added`). */
    added?: { from: string; key: string };
  };

/** The named steps of an approval, in order (see `approveProposal`). */
export type ApproveStep =
  | "load"
  | "apply"
  | "validate"
  | "bump"
  | "stamp"
  | "write"
  | "commit"
  | "move"
  | "signal";

/**
 * The named steps of removing ended scoped rules, in order (see `removeEndedRules`): pick the
 * rules, journal the removal, rewrite the policy, commit it, settle (clear the journal).
 */
export type RemoveStep = "pick" | "journal" | "rewrite" | "recommit" | "settle";

/** Where the policies directory sits in Git, if it does. */
export interface RepoInfo {
  /** Root of the Git work tree; undefined when the directory is not in one. */
  root?: string;
  /** The policies directory relative to the root, with a trailing `/` (or `""`). */
  prefix: string;
}

/** Pending proposals one sandbox may have at once (a larger flood is refused). */
export const MAX_PENDING_PER_SANDBOX = 20;

/** The environment every proposal operation runs in. */
export interface StoreEnv {
  /** The directory holding the policy files and `pending/`, `approved/`, `rejected/`. */
  policiesDir: string;
  /** The clock every stamp and lease reads (tests inject a fixed one). */
  now(): Date;
  /** Record one OCSF event (a proposal made, approved, rejected). */
  emit(event: OcsfEvent): void;
  /** Tell in-process listeners what just changed. */
  notify(change: StoreChange): void;
  /** Where the policies directory sits in Git (looked up once, then reused). */
  repo(): Promise<RepoInfo>;
  /** Called before each approval or removal step (tests pause here to kill the process). */
  beforeStep(step: ApproveStep | RemoveStep): Promise<void>;
  /** Pending proposals one sandbox may have at once (default `MAX_PENDING_PER_SANDBOX`). */
  maxPending?: number;
  /** The org ceiling (read fresh on each call), or undefined when there is none. */
  ceiling?(): Promise<CeilingView | undefined>;
  /** The org ceiling file `ceiling()` reads (default `ceiling.yaml` in the policies directory). */
  ceilingFile?: string;
  /** Loads policy texts, reusing the last load of an unchanged file. */
  policies: PolicyCache;
  /** Ceiling refusals per sandbox: a sandbox probing the ceiling has its proposals held. */
  refusals?: CeilingRefusals;
  /** The approved patches' auto-approval marks read so far (each approved patch read once). */
  autoApprovals?: AutoApprovalMemo;
}
