/**
 * How a proxy started from the CLI is linked to the control plane: with `--gateway URL` it
 * hands proposals to that gateway and takes its policy and reloads from the gateway's push;
 * without, it uses the policies directory itself (the embedded default).
 *
 * @module
 */

import { join } from "node:path";
import {
  GatewayClient,
  type GatewayFence,
  gatewayPolicyFeed,
  GatewayPool,
  readGatewayToken,
  TOKEN_FILE,
} from "../gateway/client/mod.ts";
import type { ProposalStore } from "../gateway/store/mod.ts";
import { CliFailure } from "./context.ts";
import type { PolicyFeed } from "../proxy/mod.ts";
import type { ProposalSink } from "../proxy/policy_local/mod.ts";
import type { ScopeReports } from "./_scoped_rules.ts";
import { registerSandbox } from "./_sandbox_registry.ts";
import { gatewayFailure } from "./_gateway_failure.ts";
import { sweepEmbeddedSandboxes, sweepGatewaySandboxes } from "./_dead_sandboxes.ts";

/** Flags that choose the link. */
export interface LinkFlags {
  /** Gateway URLs (`--gateway`, repeatable: several fail over). */
  gateway?: string | readonly string[];
  /** `--gateway-token-file`: the host's enrolment token (else the state directory's). */
  gatewayTokenFile?: string;
  policy: string;
  policiesDir: string;
  stateDir: string;
}

/**
 * What the proxy service is given: a proposal sink and, with a gateway, a policy feed, the
 * sandbox id the gateway enrolled it as, and `retire()` to give that credential back.
 */
export interface GatewayLink {
  sink: ProposalSink;
  feed?: PolicyFeed;
  sandboxId?: string;
  /** Where used once-rules and the sandbox's end are reported (the gateway removes them). */
  scopes: ScopeReports;
  /** Forget the proxy credential at the gateway (after the proxy stopped); never throws. */
  retire(): Promise<void>;
  /** Each linked gateway's repository and state, which a sandbox on its machine must not touch. */
  fences: readonly GatewayFence[];
  /** Linked gateways that did not answer at start: their files here, if any, are not fenced. */
  unfenced: readonly string[];
  /** Register an embedded proxy's sandbox `id` (a gateway's is, at enrolment): see the sweep. */
  started(id: string): Promise<void>;
}

/**
 * A gateway client, or a `ProposalStore` on the policies directory. With a gateway, the
 * host's enrolment token (`TOLLGATE_GATEWAY_TOKEN`, else `--gateway-token-file`, else the
 * state directory the gateway shares; all outside any sandbox) enrols a new sandbox, and the proxy
 * then speaks with that sandbox's own proxy credential: it can submit and read its own
 * proposals and policy, never approve. The store gets no event sink: policy.local already
 * logs CONFIG:PROPOSED, and approvals happen in the reviewer's process, which logs its own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startGateway } from "../gateway/mod.ts";
 * import { gatewayLink } from "./_gateway_link.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/policies`);
 * await Deno.writeTextFile(`${dir}/policies/team.yaml`, "version: 1\n");
 * const flags = { policy: "team", policiesDir: `${dir}/policies`, stateDir: `${dir}/state` };
 * const embedded = await gatewayLink(flags, {}); // no --gateway: a store on the directory
 * assert.equal(embedded.feed, undefined);
 * const gw = await startGateway({ policiesDir: flags.policiesDir, stateDir: flags.stateDir, listen: "127.0.0.1:0" });
 * const linked = await gatewayLink({ ...flags, gateway: gw.url }, { TOLLGATE_GATEWAY_TOKEN: gw.token });
 * assert.equal(await linked.feed?.initial(), "version: 1\n");
 * assert.ok(linked.sandboxId); // enrolled as a sandbox of its own
 * await linked.retire();
 * await gw.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function gatewayLink(
  flags: LinkFlags,
  env: Record<string, string | undefined>,
): Promise<GatewayLink> {
  const urls = typeof flags.gateway === "string" ? [flags.gateway] : flags.gateway ?? [];
  if (urls.length === 0) return await embeddedLink(flags);
  const host = env.TOLLGATE_GATEWAY_TOKEN ?? await hostToken(flags);
  // What a killed runner on this state directory left is retired meanwhile.
  const swept = sweepGatewaySandboxes(flags.stateDir, host, urls).catch(() => {});
  const started = () => Promise.resolve();
  const register = (sandbox: string) =>
    registerSandbox(flags.stateDir, { sandbox, gateways: urls });
  if (urls.length > 1) {
    const pool = await GatewayPool.enrol({ urls, hostToken: host, policy: flags.policy })
      .catch((error) => gatewayFailure(urls.join(", "), flags.policy, error));
    const feed = { initial: () => pool.initial(), follow: pool.follow.bind(pool) };
    const scopes = { onceUsed: pool.onceUsed.bind(pool), sessionEnded: async () => {} };
    const { sandboxId, fences, unfenced } = pool;
    const [forget] = await Promise.all([register(sandboxId), swept]);
    const retire = () => pool.retire().then((all) => all ? forget() : undefined);
    return { sink: pool, feed, sandboxId, scopes, retire, fences, unfenced, started };
  }
  const enrolled = await new GatewayClient({ url: urls[0]!, token: host })
    .enrol(flags.policy).catch((error) => gatewayFailure(urls[0]!, flags.policy, error));
  const client = new GatewayClient({ url: urls[0]!, token: enrolled.token });
  // Forgotten once retired: a retirement that failed is retried by the next start's sweep.
  const [forget] = await Promise.all([register(enrolled.sandbox), swept]);
  return {
    sink: client,
    feed: gatewayPolicyFeed(client, flags.policy),
    sandboxId: enrolled.sandbox,
    // The session ends at the gateway when this credential is retired.
    scopes: { onceUsed: (key, at) => client.onceUsed(key, at), sessionEnded: async () => {} },
    retire: () => client.retire(enrolled.sandbox).then(forget, () => {}),
    fences: enrolled.fence ? [enrolled.fence] : [],
    unfenced: [],
    started,
  };
}

/**
 * The embedded default: a `ProposalStore` on the policies directory itself, opened on the first
 * proposal call or scope report. Loaded at start, its module (the gateway's repository, patch and
 * review code, `yaml`, `diff`) stayed resident in every proxy, most of which never see a proposal.
 */
function embeddedLink(flags: LinkFlags): Promise<GatewayLink> {
  let opening: Promise<ProposalStore> | undefined;
  const store = (): Promise<ProposalStore> =>
    opening ??= loadStore().then(
      ({ ProposalStore }) => new ProposalStore({ policiesDir: flags.policiesDir }),
      (error) => {
        opening = undefined; // the next call tries again
        throw error;
      },
    );
  const sink: ProposalSink = {
    submit: async (input) => await (await store()).submit(input),
    status: async (id) => await (await store()).status(id),
    wait: async (id, signal) => await (await store()).wait(id, signal),
    recordsProposals: false, // as a store built without `emit`
  };
  let forget = () => Promise.resolve();
  const scopes: ScopeReports = {
    onceUsed: async (key, at) => await storeScopes(await store(), flags.policy).onceUsed(key, at),
    sessionEnded: async (sandbox) => {
      await storeScopes(await store(), flags.policy).sessionEnded(sandbox);
      await forget();
    },
  };
  const started = async (id: string) => {
    const open = async (policiesDir: string) =>
      new (await loadStore()).ProposalStore({ policiesDir });
    await sweepEmbeddedSandboxes(flags.stateDir, open).catch(() => {});
    forget = await registerSandbox(flags.stateDir, { sandbox: id, policiesDir: flags.policiesDir });
  };
  const none = { retire: () => Promise.resolve(), fences: [], unfenced: [] };
  return Promise.resolve({ sink, scopes, started, ...none });
}

/**
 * The store's module, loaded only for the embedded default, so a proxy linked to a gateway loads
 * the gateway client alone. A computed specifier, as in `commands.ts`: a literal `import()` would
 * put the store's whole graph into every proxy's start-up.
 */
function loadStore(): Promise<typeof import("../gateway/store/mod.ts")> {
  return import(new URL("../gateway/store/mod.ts", import.meta.url).href);
}

/**
 * Scope reports that go straight to a store on the policies directory (the embedded default,
 * and `tollgate up`'s own gateway store).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../gateway/mod.ts";
 * import { storeScopes } from "./_gateway_link.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * await store.approve(submitted.proposal.id, { approvedBy: "alice", scope: { scope: "once" } });
 * await storeScopes(store, "team").onceUsed("gh", undefined); // a proxy used the once rule
 * assert.doesNotMatch(await Deno.readTextFile(`${dir}/team.yaml`), /gh:/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function storeScopes(store: ProposalStore, policy: string): ScopeReports {
  return {
    onceUsed: (ruleKey, expiresAt) =>
      store.removeEnded({ kind: "once", policy, ruleKey, expiresAt }),
    sessionEnded: (sandbox) => store.removeEnded({ kind: "session", sandbox }),
  };
}

/** The enrolment token from `--gateway-token-file` or the state directory, said plainly. */
async function hostToken(flags: LinkFlags): Promise<string> {
  const file = flags.gatewayTokenFile ?? join(flags.stateDir, TOKEN_FILE);
  const dir = join(file, "..");
  try {
    // readGatewayToken checks the token's form; it reads STATE/gateway.token.
    return flags.gatewayTokenFile === undefined
      ? await readGatewayToken(dir)
      : (await Deno.readTextFile(file)).trim();
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? `no file "${file}"`
      : `"${file}" unreadable`;
    throw new CliFailure(
      `No gateway enrolment token (${why}): pass --gateway-token-file FILE (the gateway's ` +
        `STATE/${TOKEN_FILE}) or set TOLLGATE_GATEWAY_TOKEN`,
    );
  }
}
