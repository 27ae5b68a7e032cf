/**
 * The set-up of the tests that propose rules through policy.local: a temporary policy
 * repository (the team policy, committed), its proposal store, and the policy.local handler of
 * one sandbox submitting to that store; the repository removed afterwards, also when the test
 * fails.
 *
 * @module
 */

import { ProposalStore } from "../../gateway/mod.ts";
import type { PolicyLocalHandler, SubmittedBody } from "../../proxy/policy_local/mod.ts";
import { makeRepo } from "../gateway_fixtures.ts";
import { policyLocal } from "../hostile_fixtures.ts";
import type { PolicyRepo } from "./with_gateways_beside_agent.ts";

/** policy.local's answer to a proposal: its 202 body, or its `{error, detail}` refusal. */
export type ProposalAnswer = SubmittedBody & { error?: string; detail?: string };

/** What a test of {@linkcode withProposalDesk} runs against. */
export interface ProposalDesk {
  /** The policy repository. */
  repo: PolicyRepo;
  /** Its proposal store. */
  store: ProposalStore;
  /** POST `body`, as JSON, to policy.local's `/v1/proposals` and return the answer's JSON. */
  submit(body: unknown): Promise<ProposalAnswer>;
  /** POST `body`, as JSON, to `/v1/proposals` of sandbox `sandboxId` (`sb-hostile`) and return the answer. */
  post(body: unknown, sandboxId?: string): Promise<Response>;
  /** The policy.local handler of sandbox `sandboxId` (`sb-hostile` by default) over the store. */
  policyLocal(sandboxId?: string): PolicyLocalHandler;
}

/** Options of {@linkcode withProposalDesk}. */
export interface ProposalDeskOptions {
  /** The team policy's text (`TEAM_POLICY` otherwise). */
  policy?: string;
  /** The store's pending cap per sandbox (the store's default otherwise). */
  maxPendingPerSandbox?: number;
}

/**
 * Run `run` with a fresh policy repository, its proposal store and policy.local over it (sandbox
 * `sb-hostile`), then remove the repository.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withProposalDesk } from "./mod.ts";
 * await withProposalDesk({ maxPendingPerSandbox: 1 }, async ({ post }) => {
 *   assert.equal((await post({ intent_summary: "none", operations: [] })).status, 400);
 * });
 * ```
 */
export function withProposalDesk(run: (desk: ProposalDesk) => Promise<void>): Promise<void>;
/** The same, with the team policy's text or the store's pending cap given in `options`. */
export function withProposalDesk(
  options: ProposalDeskOptions,
  run: (desk: ProposalDesk) => Promise<void>,
): Promise<void>;
export async function withProposalDesk(
  first: ProposalDeskOptions | ((desk: ProposalDesk) => Promise<void>),
  second?: (desk: ProposalDesk) => Promise<void>,
): Promise<void> {
  const [options, run] = typeof first === "function" ? [{}, first] : [first, second!];
  const repo = await makeRepo(options.policy === undefined ? {} : { policy: options.policy });
  try {
    const { maxPendingPerSandbox } = options;
    const store = new ProposalStore({
      policiesDir: repo.policies,
      ...(maxPendingPerSandbox === undefined ? {} : { maxPendingPerSandbox }),
    });
    const handlers = new Map<string, PolicyLocalHandler>();
    const handler = (sandboxId = "sb-hostile") => {
      const known = handlers.get(sandboxId) ?? policyLocal(store, sandboxId);
      handlers.set(sandboxId, known);
      return known;
    };
    const post = (body: unknown, sandboxId?: string) =>
      handler(sandboxId).request("http://policy.local/v1/proposals", {
        method: "POST",
        body: JSON.stringify(body),
      });
    const submit = async (body: unknown) => await (await post(body)).json() as ProposalAnswer;
    await run({ repo, store, submit, post, policyLocal: handler });
  } finally {
    await repo.cleanup();
  }
}
