/**
 * A Tollgate proxy as a child process of the benchmark, so that it has its own event loop
 * (as Squid has) and its RSS can be read from /proc. Started through `startProxyService`, as
 * `tollgate proxy` starts it, so the rows measure the product's composition and no other.
 * Reads its config from the JSON file named by the first argument, prints one JSON line
 * `{"port":N}` when listening, and exits when its stdin closes (the benchmark ended, or died)
 * or on SIGTERM.
 *
 * Run: `deno run -A scripts/bench/proxy_child.ts CONFIG.json` (-A: /proc identity).
 *
 * @module
 */

import { join } from "node:path";
import { startProxyService } from "../../proxy/mod.ts";
import { createProcIdentityResolver } from "../../proxy/identity/mod.ts";
import { FIXED_EXE } from "./bench_policy.ts";
import type { ProxyChildConfig } from "./proxy_child_config.ts";

async function main(configFile: string): Promise<void> {
  const config: ProxyChildConfig = JSON.parse(await Deno.readTextFile(configFile));
  const upstreamCa = join(config.stateDir, "upstream-ca.pem");
  await Deno.writeTextFile(upstreamCa, config.upstreamCaPem);
  const service = await startProxyService({
    policy: "bench",
    policiesDir: config.policiesDir,
    stateDir: config.stateDir,
    sandboxId: "sb-bench",
    resolve: config.resolve.map((r) => `${r.host}:${r.port}:${r.address}`),
    upstreamCaFiles: [upstreamCa],
    // `fixed`: the rows that measure the proxy without the /proc lookup.
    ...identityOf(config),
    ...(config.proposals ? { sink: await proposalStore(config.policiesDir) } : {}),
  });
  let closing: Promise<void> | undefined;
  const stop = () => closing ??= service.close().finally(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  console.log(JSON.stringify({ port: service.port }));
  // Lifeline: the parent holds our stdin open for as long as it wants us.
  for await (const _ of Deno.stdin.readable) { /* ignore input */ }
  await stop();
}

/** The embedded mode's sink (as `tollgate up`): proposals go straight to the store. */
async function proposalStore(policiesDir: string) {
  // Loaded only here: the data-plane rows must not depend on the control plane's code. A
  // computed specifier, as `tollgate proxy` loads the store (cli/_gateway_link.ts): a literal
  // `import()` has Deno read and parse the gateway's whole graph (Hono, yaml, diff) at start,
  // about 2 MB the product's proxy does not hold.
  const gateway: typeof import("../../gateway/mod.ts") = await import(
    new URL("../../gateway/mod.ts", import.meta.url).href
  );
  const { ProposalStore } = gateway;
  // The row submits more proposals from one sandbox than its cap (20) allows: lift the cap.
  return new ProposalStore({ policiesDir, maxPendingPerSandbox: 1_000_000 });
}

if (import.meta.main) await main(Deno.args[0] ?? "");

/**
 * `fixed`: the rows that measure the proxy without the /proc lookup; `proc_tree`: the /proc
 * lookup searching only below the load generator's process, as `sandbox run` searches the
 * sandbox's tree; `proc`: the product's default (every process on the host).
 */
function identityOf(config: ProxyChildConfig) {
  if (config.identity === "fixed") {
    return { identity: { resolve: () => Promise.resolve({ exe: FIXED_EXE, ancestors: [] }) } };
  }
  const root = config.treeRoot;
  if (config.identity === "proc_tree" && root !== undefined) {
    return { identity: createProcIdentityResolver({ treeRoot: () => root }) };
  }
  return {};
}
