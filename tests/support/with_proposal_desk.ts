/**
 * The set-up of the tests that propose rules through policy.local: a temporary policy
 * repository (the team policy, committed), its proposal store, and the policy.local handler of
 * one sandbox submitting to that store; the repository removed afterwards, also when the test
 * fails.
 *
 * @module
 */

import { ProposalStore } from "../../gateway/mod.ts";
import type { SubmittedBody } from "../../proxy/policy_local/mod.ts";
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
}

/**
 * Run `run` with a fresh policy repository, its proposal store and policy.local over it (sandbox
 * `sb-hostile`), then remove the repository.
 */
export async function withProposalDesk(run: (desk: ProposalDesk) => Promise<void>): Promise<void> {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const app = policyLocal(store);
    const submit = async (body: unknown) => {
      const init = { method: "POST", body: JSON.stringify(body) };
      const res = await app.request("http://policy.local/v1/proposals", init);
      return await res.json() as ProposalAnswer;
    };
    await run({ repo, store, submit });
  } finally {
    await repo.cleanup();
  }
}
