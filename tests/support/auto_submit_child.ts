/**
 * A child process for the auto-approval crash test: submit one auto-approvable proposal to a
 * store on `Deno.args[0]`, pausing (to be killed) before approval step `Deno.args[1]`.
 *
 * @module
 */

import { ProposalStore } from "../../gateway/mod.ts";
import { putProposal } from "../gateway_fixtures.ts";

const [policiesDir, pauseAt] = Deno.args;
const store = new ProposalStore({
  policiesDir: policiesDir!,
  beforeStep: async (step) => {
    if (step !== pauseAt) return;
    console.error(`tollgate-test: paused before ${step}`);
    await new Promise((resolve) => setTimeout(resolve, 120_000));
  },
});
const result = await store.submit(putProposal());
console.log(JSON.stringify(result.accepted ? result.proposal.status : result));
