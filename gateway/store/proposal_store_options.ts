/**
 * The options of a `ProposalStore` and their defaults.
 *
 * @module
 */

import type { OcsfEvent } from "../../proxy/ocsf/mod.ts";
import type { ApproveStep, RemoveStep } from "../proposals/mod.ts";
import type { PolicyCache } from "../repo/mod.ts";

/** Options of a `ProposalStore`. */
export interface ProposalStoreOptions {
  /** The policies directory (`NAME.yaml` files and the state directories). */
  policiesDir: string;
  /** Clock (tests pin it). */
  now?: () => Date;
  /** Sink for CONFIG:PROPOSED/APPROVED/REJECTED events. */
  emit?: (event: OcsfEvent) => void;
  /**
   * Called before each approval or removal step (tests pause here to kill the process).
   *
   * @internal
   */
  beforeStep?: (step: ApproveStep | RemoveStep) => Promise<void> | void;
  /** Safety re-check period of `wait()` beside its file watch, in ms. */
  waitRecheckMs?: number;
  /** Pending proposals one sandbox may have at once (default 20; more are refused). */
  maxPendingPerSandbox?: number;
  /** The org ceiling file (default `ceiling.yaml` in the policies directory). */
  ceilingFile?: string;
  /**
   * Loaded policies to reuse (the gateway shares one with its directory watch).
   *
   * @internal
   */
  policyCache?: PolicyCache;
  /** Runs the auto-approval of a submit (a remote-backed store publishes it on the remote). */
  publishAutoApproval?: (id: string, step: () => Promise<boolean>) => Promise<boolean>;
}

/** The defaults of the optional settings. */
export const defaults = {
  now: () => new Date(),
  emit: (_event: OcsfEvent) => {},
  beforeStep: (_step: ApproveStep | RemoveStep) => {},
  waitRecheckMs: 5_000,
} satisfies Partial<ProposalStoreOptions>;
