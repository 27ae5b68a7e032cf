/**
 * What the policy.local app needs from the proxy that hosts it, injected by the
 * composition root so that tests run it with fakes.
 *
 * @module
 */

import type { OcsfEvent } from "../ocsf/mod.ts";
import type { CompiledPolicy } from "../policy/mod.ts";
import type { ProposalSink } from "./proposal_sink.ts";

/**
 * The policy this proxy enforces right now: the part of the proxy's `PolicySnapshot`
 * (proxy/holder/policy_holder.ts) that policy.local reads, declared here so it needs no more of it.
 */
export interface PolicySnapshot {
  /** The YAML text as loaded (comments included). */
  text: string;
  /** Revision counter of the policy file. */
  revision: number;
  /** Content hash of the policy. */
  hash: string;
  /** The compiled policy `decide()` uses. */
  compiled: CompiledPolicy;
}

/** A read-only view of the live policy with change notification. */
export interface PolicyView {
  /** The policy enforced right now. */
  current(): PolicySnapshot;
  /** Call `listener` after every reload; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/**
 * Dependencies of {@linkcode createPolicyLocalApp}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PolicyLocalDeps } from "./policy_local_deps.ts";
 * import { createPolicyLocalApp } from "./policy_local_app.ts";
 * import { PolicyHolder } from "../holder/mod.ts";
 *
 * // No sink: the proxy has no gateway, so proposal routes answer 503.
 * const deps: PolicyLocalDeps = {
 *   policyName: "demo",
 *   sandboxId: "sb-1",
 *   policy: PolicyHolder.fromText("demo", "demo.yaml", "version: 1\n"),
 *   logDir: "/nonexistent",
 *   skill: () => Promise.resolve("# Policy advisor\n"),
 * };
 * const res = await createPolicyLocalApp(deps).request("http://policy.local/v1/proposals", {
 *   method: "POST",
 *   body: "{}",
 * });
 * assert.equal(res.status, 503);
 * await res.body?.cancel();
 * ```
 */
export interface PolicyLocalDeps {
  /** The name of the sandbox's policy: proposals target `policies/<policyName>.yaml`. */
  policyName: string;
  /**
   * This proxy's sandbox id: its proposals are recorded under it, only those are answered
   * (another sandbox's read as not found), and `/v1/denials` lists only decision events
   * stamped with it (`unmapped.sandbox`), though several proxies share one log.
   */
  sandboxId: string;
  /**
   * The sandbox's working directory (`sandbox run` names it): sent with each proposal, since
   * `include_workdir` lets the sandbox write there. Absent for a proxy that runs no sandbox.
   */
  workdir?: string;
  /** The live policy of this proxy. */
  policy: PolicyView;
  /** The gateway hand-off; undefined makes every proposal route answer 503. */
  sink?: ProposalSink;
  /** Directory of the OCSF log that `/v1/denials` reads. */
  logDir: string;
  /** The policy-advisor skill markdown. */
  skill: () => Promise<string>;
  /** Receives a CONFIG:PROPOSED event per accepted proposal (audit trail). */
  emit?: (event: OcsfEvent) => void;
  /** Clock for event times (ms since the epoch); `Date.now` by default. */
  now?: () => number;
  /** Body read deadline in ms; `POLICY_LOCAL_LIMITS.bodyReadTimeoutMs` by default. */
  bodyTimeoutMs?: number;
}
