/**
 * A Tollgate proxy as a child process of the benchmark, so that it has its own event loop
 * (as Squid has) and its RSS can be read from /proc. Reads its config from the JSON file
 * named by the first argument, prints one JSON line `{"port":N}` when listening, and exits
 * when its stdin closes (the benchmark ended, or died) or on SIGTERM.
 *
 * Run: `deno run -A scripts/bench/proxy_child.ts CONFIG.json` (-A: /proc identity).
 *
 * @module
 */

import { join } from "node:path";
import {
  CertificateAuthority,
  createProcIdentityResolver,
  LOG_BATCH_MS,
  PolicyHolder,
  startProxy,
} from "../../proxy/mod.ts";
import { OcsfLog } from "../../proxy/ocsf/mod.ts";
import { createPolicyLocalApp } from "../../proxy/policy_local/mod.ts";
import { FIXED_EXE } from "./bench_policy.ts";
import type { ProxyChildConfig } from "./proxy_child_config.ts";

async function main(configFile: string): Promise<void> {
  const config: ProxyChildConfig = JSON.parse(await Deno.readTextFile(configFile));
  const ca = await CertificateAuthority.loadOrCreate(config.stateDir);
  const policyFile = config.policiesDir
    ? join(config.policiesDir, "bench.yaml")
    : join(config.stateDir, "bench.yaml");
  const holder = PolicyHolder.fromText("bench", policyFile, config.policyText);
  const skillPath = join(config.stateDir, "policy_advisor.md");
  await Deno.writeTextFile(skillPath, "# Bench skill\n");
  const logDir = join(config.stateDir, "logs");
  // As startProxyService does: keep the day's log files open rather than reopen per event,
  // and write allowed decisions in batches.
  const log = new OcsfLog(logDir, { keepOpen: true, batchMs: LOG_BATCH_MS });
  const treeRoot = config.treeRoot;
  const identity = config.identity === "fixed"
    ? { resolve: () => Promise.resolve({ exe: FIXED_EXE, ancestors: [] }) }
    : createProcIdentityResolver(
      config.identity === "proc_tree" && treeRoot !== undefined ? { treeRoot: () => treeRoot } : {},
    );
  const proxy = await startProxy({
    listen: { hostname: "127.0.0.1", port: 0 },
    holder,
    resolve: config.resolve,
    upstreamCa: [config.upstreamCaPem],
    ca,
    skillPath,
    identity,
    // As in production, every decision is one OCSF event appended to the log files.
    onEvent: (event) => log.append(event).catch(() => {}),
    ...(config.policiesDir
      ? { policyLocal: await policyLocal(config.policiesDir, holder, logDir) }
      : {}),
  });
  let closing: Promise<void> | undefined;
  const stop = () => closing ??= proxy.close().finally(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  console.log(JSON.stringify({ port: proxy.port }));
  // Lifeline: the parent holds our stdin open for as long as it wants us.
  for await (const _ of Deno.stdin.readable) { /* ignore input */ }
  await stop();
}

/**
 * policy.local in embedded mode (as `tollgate up` runs it): proposals go straight to the
 * proposal store of the policies directory.
 */
async function policyLocal(
  policiesDir: string,
  holder: PolicyHolder,
  logDir: string,
): Promise<(request: Request) => Promise<Response>> {
  // Loaded only here: the data-plane rows must not depend on the control plane's code.
  const { ProposalStore } = await import("../../gateway/mod.ts");
  const app = createPolicyLocalApp({
    sandbox: "bench",
    sandboxId: "sb-bench",
    policy: holder,
    // The row submits more proposals from one sandbox than its cap (20) allows: lift the cap.
    sink: new ProposalStore({ policiesDir, maxPendingPerSandbox: 1_000_000 }),
    logDir,
    skill: () => Promise.resolve("# Bench skill\n"),
  });
  return async (request) => await app.fetch(request);
}

if (import.meta.main) await main(Deno.args[0] ?? "");
