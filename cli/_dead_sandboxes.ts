/**
 * Retiring what a killed runner left (see `_sandbox_registry.ts`): at a gateway, the dead
 * sandbox's proxy credential, whose retirement also ends its session rules there; on an
 * embedded proxy's policies directory, its session rules.
 *
 * @module
 */

import { resolve } from "node:path";
import { GatewayClient, GatewayError, type RuleRemoval } from "../gateway/client/mod.ts";
import type { ProposalStore } from "../gateway/store/mod.ts";
import { type SandboxEntry, sweepDeadSandboxes } from "./_sandbox_registry.ts";

/** How long a sweep waits for each gateway: a start must not hang on one that is gone. */
const RETIRE_TIMEOUT_MS = 3_000;

/**
 * Retire, with the host's enrolment token `host`, the gateway sandboxes registered in
 * `stateDir` whose runner is gone, those enrolled at `linked` (this run's gateways) only: the
 * token goes nowhere this run would not send it, whatever an entry names. An entry stays for
 * the next sweep while one of its gateways does not answer (or answers 5xx); an answer that
 * refuses (another host's token) ends it.
 */
export async function sweepGatewaySandboxes(
  stateDir: string,
  host: string,
  linked: readonly string[],
): Promise<void> {
  await sweepDeadSandboxes(stateDir, async (entry) => {
    if (!entry.gateways?.every((url) => linked.includes(url))) return false;
    const answers = await Promise.all(entry.gateways.map((url) => retireAt(url, host, entry)));
    return answers.every(Boolean);
  });
}

async function retireAt(url: string, host: string, entry: SandboxEntry): Promise<boolean> {
  try {
    const client = new GatewayClient({ url, token: host });
    await client.retire(entry.sandbox, AbortSignal.timeout(RETIRE_TIMEOUT_MS));
    return true;
  } catch (error) {
    return error instanceof GatewayError && error.status < 500;
  }
}

/**
 * End the session rules of the embedded sandboxes registered in `stateDir` whose runner is
 * gone, each through a store on its own policies directory (`open`, called only when one is);
 * with `only`, those of that policies directory alone (`leases sweep` cleans the one it names).
 * Returns what was removed.
 */
export async function sweepEmbeddedSandboxes(
  stateDir: string,
  open: (policiesDir: string) => Promise<ProposalStore>,
  only?: string,
): Promise<RuleRemoval[]> {
  const removed: RuleRemoval[] = [];
  await sweepDeadSandboxes(stateDir, async (entry) => {
    if (!entry.policiesDir || entry.gateways) return false;
    if (only !== undefined && resolve(entry.policiesDir) !== resolve(only)) return false;
    const store = await open(entry.policiesDir);
    removed.push(...await store.removeEnded({ kind: "session", sandbox: entry.sandbox }));
    return true;
  });
  return removed;
}
