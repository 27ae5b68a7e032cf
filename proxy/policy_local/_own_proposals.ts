/**
 * A sandbox's view of the proposal sink: only the proposals that sandbox made. Another
 * sandbox's proposal reads exactly as one that does not exist (404), without waiting on it.
 *
 * @module
 */

import type { ProposalSink, ProposalStatus } from "./proposal_sink.ts";

/**
 * `sink` narrowed to the proposals recorded under `sandboxId`; each submit names the sandbox
 * and its working directory (`workdir`), whatever the agent's body held.
 */
export function ownProposals(
  sink: ProposalSink,
  sandboxId: string,
  workdir?: string,
): ProposalSink {
  const own = (state: ProposalStatus | undefined) =>
    state !== undefined && state.sandbox === sandboxId ? state : undefined;
  return {
    recordsProposals: sink.recordsProposals,
    submit: (input) => {
      const { workdir: _agent, ...rest } = input;
      const where = workdir === undefined ? {} : { workdir };
      return sink.submit({ ...rest, sandbox: sandboxId, ...where });
    },
    status: async (id) => own(await sink.status(id)),
    // Look before waiting: a wait on someone else's proposal would tell when it is decided.
    wait: async (id, signal) => own(await sink.status(id)) && own(await sink.wait(id, signal)),
  };
}
