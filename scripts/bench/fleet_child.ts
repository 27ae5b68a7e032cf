/**
 * A fleet of Tollgate proxies in one child process, each composed by `startProxyService` with
 * its own gateway enrolment, proposal sink and policy feed (`gatewayPolicyFeed`: the policy, then
 * the gateway's server-sent events), as `tollgate proxy --gateway URL` composes one. Prints one
 * JSON line per policy swap: `{"proxy":I,"revision":R,"at":EPOCH_MS}` (`at` from
 * `performance.timeOrigin + now()`, so the benchmark can compare it with its own clock), after
 * a first line `{"ports":[…]}` once every proxy listens and follows the gateway's push. Exits
 * when stdin closes.
 *
 * Run: `deno run -A scripts/bench/fleet_child.ts CONFIG.json`.
 *
 * @module
 */

import { join } from "node:path";
import {
  CertificateAuthority,
  type PolicyFeed,
  type ProxyService,
  startProxyService,
} from "../../proxy/mod.ts";
import { GatewayClient, gatewayPolicyFeed } from "../../gateway/client/mod.ts";
import { FIXED_EXE } from "./bench_policy.ts";
import type { FleetChildConfig } from "./proxy_child_config.ts";

async function main(configFile: string): Promise<void> {
  const config: FleetChildConfig = JSON.parse(await Deno.readTextFile(configFile));
  // One CA for the fleet, as one host's proxies share their state directory's.
  const ca = await CertificateAuthority.loadOrCreate(config.stateDir);
  const upstreamCa = join(config.stateDir, "upstream-ca.pem");
  await Deno.writeTextFile(upstreamCa, config.upstreamCaPem);
  const services: ProxyService[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < config.count; i++) {
    // The host's enrolment token buys each proxy its own proxy credential, as `tollgate proxy`.
    const host = new GatewayClient({ url: config.gatewayUrl, token: config.token });
    const enrolled = await host.enrol(config.policy);
    const client = new GatewayClient({ url: config.gatewayUrl, token: enrolled.token });
    const { feed, following } = untilFollowing(gatewayPolicyFeed(client, config.policy));
    const service = await startProxyService({
      policy: config.policy,
      // With a feed the directory only names the policy; each proxy logs to its own.
      policiesDir: config.stateDir,
      stateDir: join(config.stateDir, `proxy-${i}`),
      ca,
      feed,
      sink: client,
      sandboxId: enrolled.sandbox,
      resolve: config.resolve.map((r) => `${r.host}:${r.port}:${r.address}`),
      upstreamCaFiles: [upstreamCa],
      identity: { resolve: () => Promise.resolve({ exe: FIXED_EXE, ancestors: [] }) },
    });
    service.holder.subscribe((snapshot) => report(i, snapshot.revision));
    services.push(service);
    ready.push(following);
  }
  await Promise.all(ready);
  console.log(JSON.stringify({ ports: services.map((s) => s.port) }));
  let closing: Promise<void> | undefined;
  const stop = () =>
    closing ??= (async () => {
      await Promise.all(services.map((s) => s.close()));
      Deno.exit(0);
    })();
  Deno.addSignalListener("SIGTERM", stop);
  for await (const _ of Deno.stdin.readable) { /* lifeline: ignore input */ }
  await stop();
}

/** The feed, and a promise that resolves once its push has delivered its first text. */
function untilFollowing(feed: PolicyFeed): { feed: PolicyFeed; following: Promise<void> } {
  const { promise, resolve } = Promise.withResolvers<void>();
  return {
    following: promise,
    feed: {
      initial: () => feed.initial(),
      follow: (onText, signal) =>
        feed.follow((text, json, utf8) => {
          resolve();
          onText(text, json, utf8);
        }, signal),
    },
  };
}

function report(proxy: number, revision: number): void {
  const at = performance.timeOrigin + performance.now();
  console.log(JSON.stringify({ proxy, revision, at }));
}

if (import.meta.main) await main(Deno.args[0] ?? "");
