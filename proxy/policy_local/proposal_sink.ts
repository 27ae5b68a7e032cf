/**
 * The one small interface between the agent's side (policy.local, inside the proxy) and the
 * control plane (the gateway, or the proposal store itself in embedded mode). The proxy never
 * imports the gateway: the composition root injects an implementation.
 *
 * @module
 */

import type { NetworkRule } from "../policy/mod.ts";

/** Structured rejection hint a reviewer may attach (RFC 0001's guidance vocabulary). */
export type Guidance =
  | "too_broad"
  | "use_l7_not_l4"
  | "wrong_binary_scope"
  | "wrong_endpoint"
  | "outside_org_ceiling";

/**
 * The guidance codes as a list: the one the gateway API, the inbox, the CLI and the skill test
 * take them from.
 */
export const GUIDANCE = [
  "too_broad",
  "use_l7_not_l4",
  "wrong_binary_scope",
  "wrong_endpoint",
  "outside_org_ceiling",
] as const satisfies readonly Guidance[];
// Fails to compile when a code is added to the type but not to the list (`satisfies` above
// checks the other way).
const _everyGuidance: Guidance extends (typeof GUIDANCE)[number] ? true : never = true;

/**
 * Whether `value` is one of the guidance codes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isGuidance } from "./proposal_sink.ts";
 * assert.equal(isGuidance("too_broad"), true);
 * assert.equal(isGuidance("too broad"), false);
 * ```
 */
export function isGuidance(value: unknown): value is Guidance {
  return (GUIDANCE as readonly unknown[]).includes(value);
}

/** One finding of the checks run on submit (recorded in the patch and the status). */
export interface Finding {
  /** Stable code, e.g. `wildcard_host`, `access_full`, `use_l7_not_l4`, `already_covered`. */
  code: string;
  /** `refuse` findings reject the proposal; `warn` findings are shown to the reviewer. */
  severity: "refuse" | "warn" | "info";
  /** One sentence for the reviewer (and the agent). */
  message: string;
  /**
   * `authority_delta` only: every grant the rule adds, as the message names them (untruncated),
   * so an approval can tell what it adds beyond what was shown.
   */
  grants?: string[];
}

/** A proposal as the agent sees it (`GET /v1/proposals/:id`). */
export interface ProposalStatus {
  /** Proposal id (safe in a URL path). */
  id: string;
  /** Where the proposal stands. */
  status: "pending" | "approved" | "rejected";
  /** Target policy name (file `NAME.yaml`). */
  policy: string;
  /** The sandbox that made it; a proxy answers only for its own sandbox's proposals. */
  sandbox?: string;
  /** Key of the new rule in `network_policies`. */
  ruleName: string;
  /** First binary of the proposed rule. */
  binary?: string;
  /** Every binary of the proposed rule, in its order; empty when it names none (any binary). */
  binaries?: string[];
  /** The proposed rule, as validated. */
  rule: NetworkRule;
  /** Findings of the submit checks. */
  findings: Finding[];
  /** The reviewer's reason, for a rejected proposal. */
  rejectionReason?: string;
  /** The reviewer's structured hint, for a rejected proposal. */
  guidance?: Guidance;
  /** Revision of the policy the approval produced. */
  approvedRevision?: number;
  /** How long the approved rule lives: `once`, `lease`, `session` or `durable`. */
  scope?: "once" | "lease" | "session" | "durable";
  /** ISO time from which an approved once or lease rule allows nothing. */
  expiresAt?: string;
  /** Why approval would refuse it now (OpenShell #2850's `application_error`); pending only. */
  applicationError?: string;
  /** Digest binding a review to the rule, the policy it applies to and the result. */
  reviewToken?: string;
  /** Hash of the policy the rule applies to: the current one while pending. */
  currentPolicyHash?: string;
  /** Hash of the policy with the rule applied: what approval writes (or wrote). */
  candidatePolicyHash?: string;
}

/** What policy.local hands over for one accepted `addRule` operation. */
export interface ProposalInput {
  /** Sandbox (and policy) name the proposal targets. */
  policy: string;
  /**
   * The proposing sandbox's id, recorded in the patch (`Sandbox-Id`) so that only that
   * sandbox reads it back; a gateway replaces it with its proxy credential's sandbox.
   */
  sandbox?: string;
  /**
   * The proposing sandbox's working directory, named by the proxy that runs it (never by the
   * agent): with `include_workdir` the sandbox can write there, so a binary there warns.
   */
  workdir?: string;
  /** Key of the new rule in `network_policies`. */
  ruleName: string;
  /** The proposed rule, as validated. */
  rule: NetworkRule;
  /** The agent's free text: an untrusted hint, sanitised before a person sees it. */
  rationale: string;
}

/**
 * Result of one submit: accepted with an id (a new proposal, or the pending one that already
 * proposes the same rule for this sandbox), or refused with reasons; `code` names a refusal
 * that is not about the rule (see {@linkcode SubmitRefusalCode}).
 */
export type SubmitResult =
  | { accepted: true; proposal: ProposalStatus }
  | { accepted: false; reasons: string[]; code?: SubmitRefusalCode };

/**
 * Why a refused submit was refused, where the caller acts on it: `too_many_pending` (the
 * sandbox's cap), `policy_unavailable` (no such policy file, or it did not load: a gateway
 * whose sync was rewriting the policy files submits again on the tree the sync leaves),
 * `too_many_refusals` (the sandbox had enough proposals refused as outside the org ceiling
 * lately that its proposals are held unchecked for a while).
 */
export type SubmitRefusalCode = "too_many_pending" | "policy_unavailable" | "too_many_refusals";

/** The hand-off from policy.local to the control plane. */
export interface ProposalSink {
  /** Store one proposal (running the submit checks); never throws for a refused proposal. */
  submit(input: ProposalInput): Promise<SubmitResult>;
  /** Current state, or undefined for an unknown id. */
  status(id: string): Promise<ProposalStatus | undefined>;
  /**
   * Resolve as soon as the proposal is decided (or with its pending state when `signal`
   * aborts); undefined for an unknown id.
   */
  wait(id: string, signal: AbortSignal): Promise<ProposalStatus | undefined>;
  /**
   * True when the sink records CONFIG:PROPOSED itself for each proposal it stores (a store
   * with an event log); policy.local then records none, so a log the two share (`tollgate
   * up`) holds one event per proposal.
   */
  readonly recordsProposals?: boolean;
}
