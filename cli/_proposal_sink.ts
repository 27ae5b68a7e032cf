/**
 * Where a proxy started from the CLI hands the agent's proposals: the gateway named by
 * `--gateway`, or the policies directory itself (the embedded default).
 *
 * @module
 */

import { GatewayClient, ProposalStore, readGatewayToken } from "../gateway/mod.ts";
import type { ProposalSink } from "../proxy/policy_local/mod.ts";

/** Flags that choose the sink. */
export interface SinkFlags {
  gateway?: string;
  policiesDir: string;
  stateDir: string;
}

/**
 * A gateway client (its bearer token read from the state directory the gateway shares), or a
 * `ProposalStore` on the policies directory. The store gets no event sink: policy.local already
 * logs CONFIG:PROPOSED, and approvals happen in the reviewer's process, which logs its own.
 */
export async function proposalSinkFor(flags: SinkFlags): Promise<ProposalSink> {
  if (flags.gateway) {
    return new GatewayClient({ url: flags.gateway, token: await readGatewayToken(flags.stateDir) });
  }
  return new ProposalStore({ policiesDir: flags.policiesDir });
}
