/**
 * A fleet of Tollgate proxies in one child process, each with its own policy holder fed by
 * its own gateway subscription (`subscribePolicy`, server-sent events), as proxies started
 * with `--gateway URL` run. Prints one JSON line per policy swap:
 * `{"proxy":I,"revision":R,"at":EPOCH_MS}` (`at` from `performance.timeOrigin + now()`, so
 * the benchmark can compare it with its own clock), after a first line `{"ports":[…]}` once
 * every proxy listens and holds the gateway's current policy. Exits when stdin closes.
 *
 * Run: `deno run -A scripts/bench/fleet_child.ts CONFIG.json`.
 *
 * @module
 */

import { join } from "node:path";
import {
  CertificateAuthority,
  PolicyHolder,
  type ProxyHandle,
  startProxy,
} from "../../proxy/mod.ts";
import { GatewayClient, subscribePolicy } from "../../gateway/mod.ts";
import { FIXED_EXE } from "./bench_policy.ts";
import type { FleetChildConfig } from "./proxy_child_config.ts";

async function main(configFile: string): Promise<void> {
  const config: FleetChildConfig = JSON.parse(await Deno.readTextFile(configFile));
  const ca = await CertificateAuthority.loadOrCreate(config.stateDir);
  const skillPath = join(config.stateDir, "policy_advisor.md");
  await Deno.writeTextFile(skillPath, "# Bench skill\n");
  const controller = new AbortController();
  const proxies: ProxyHandle[] = [];
  const holders: PolicyHolder[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < config.count; i++) {
    // The host's enrolment token buys each proxy its own proxy credential, as `tollgate proxy`.
    const host = new GatewayClient({ url: config.gatewayUrl, token: config.token });
    const { token } = await host.enrol(config.policy);
    const client = new GatewayClient({ url: config.gatewayUrl, token });
    const initial = await client.policy(config.policy);
    if (!initial) throw new Error(`Gateway has no policy "${config.policy}"`);
    const holder = PolicyHolder.fromText(config.policy, `${config.policy}.yaml`, initial.text);
    holders.push(holder);
    holder.subscribe((snapshot) => report(i, snapshot.revision));
    const proxy = await startProxy({
      listen: { hostname: "127.0.0.1", port: 0 },
      holder,
      ca,
      resolve: config.resolve,
      upstreamCa: [config.upstreamCaPem],
      skillPath,
      identity: { resolve: () => Promise.resolve({ exe: FIXED_EXE, ancestors: [] }) },
    });
    proxies.push(proxy);
    ready.push(follow(client, config.policy, holder, controller.signal));
  }
  await Promise.all(ready);
  console.log(JSON.stringify({ ports: proxies.map((p) => p.port) }));
  let closing: Promise<void> | undefined;
  const stop = () =>
    closing ??= (async () => {
      controller.abort();
      await Promise.all(proxies.map((p) => p.close()));
      for (const holder of holders) holder.close();
      Deno.exit(0);
    })();
  Deno.addSignalListener("SIGTERM", stop);
  for await (const _ of Deno.stdin.readable) { /* lifeline: ignore input */ }
  await stop();
}

/** Follow the gateway; resolves once the subscription has delivered its first text. */
function follow(
  client: GatewayClient,
  policy: string,
  holder: PolicyHolder,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    void subscribePolicy(client, policy, async (text, version) => {
      const result = holder.current().text === text
        ? undefined
        : await holder.reload(text, version.json);
      resolve();
      if (result && !result.ok) {
        throw new Error(`Invalid policy pushed: ${result.issues.length} issues`);
      }
    }, signal);
  });
}

function report(proxy: number, revision: number): void {
  const at = performance.timeOrigin + performance.now();
  console.log(JSON.stringify({ proxy, revision, at }));
}

if (import.meta.main) await main(Deno.args[0] ?? "");
