/**
 * The list of rows, in table order, starting only what the wanted rows need (peers,
 * Tollgate proxies, the gateway). Everything started is registered on `stack`; the `--scale`
 * fixtures are stages of their own, set up only when their rows run.
 *
 * @module
 */

import type { ChildProcesses } from "./child_processes.ts";
import type { BenchSetup } from "./setup.ts";
import type { Row, RowStage } from "./row.ts";
import type { ProxyIdentity } from "./proxy_child_config.ts";
import { directRows } from "./rows_direct.ts";
import { peerRows } from "./rows_peers.ts";
import { decideRows } from "./rows_decide.ts";
import { type ProxyStart, tollgateRows } from "./rows_tollgate.ts";
import { memoryRow } from "./rows_memory.ts";
import { type PeerStart, startSquid, startTinyproxy } from "./peer_proxies.ts";
import { type ControlRepo, createControlRepo, proposalRow } from "./rows_control.ts";
import { approveRow, startApproval } from "./rows_approve.ts";
import { authorityDeltaRow, autoApproveRow } from "./rows_automation.ts";
import { inboxRows } from "./rows_inbox.ts";
import { remoteRows } from "./rows_remote.ts";
import { startTollgateProxy } from "./tollgate_proxy.ts";
import { dataPlaneScaleRows } from "./scale_data_plane.ts";
import { sandboxStartRow } from "./rows_sandbox.ts";
import { sandboxConnectionRow } from "./rows_sandbox_connections.ts";
import { cliStartRows } from "./rows_cli_start.ts";
import { scaleRows } from "./rows_scale.ts";
import { auditRows } from "./rows_audit.ts";

/** The ordinary rows, and the stages that set up their own fixtures later. */
export interface BuiltRows {
  /** Rows whose fixtures are started now and live for the whole run. */
  rows: Row[];
  /** The `--scale` stages, in table order (see {@linkcode RowStage}). */
  stages: RowStage[];
}

/**
 * Build every row. `wanted(prefix)` says whether rows under an id prefix are wanted, so that
 * nothing is started for rows that will not run; the `scale` stages only when `scale` is set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { buildRows } from "./build_rows.ts";
 * import { ChildProcesses } from "./child_processes.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * await using children = new ChildProcesses();
 * await using stack = new AsyncDisposableStack();
 * const { rows, stages } = await buildRows(setup, children, stack, (p) => p.startsWith("direct"));
 * assert.ok(rows.every((row) => row.info.group === "direct")); // nothing else was started
 * assert.equal(stages.length, 0);
 * ```
 */
export async function buildRows(
  setup: BenchSetup,
  children: ChildProcesses,
  stack: AsyncDisposableStack,
  wanted: (idPrefix: string) => boolean,
  scale = false,
): Promise<BuiltRows> {
  const proxy = (name: string, identity: ProxyIdentity) =>
    startProxyChild(setup, children, stack, name, identity);
  // Start everything at once, so that the start-up times overlap instead of adding up.
  const fixed = wanted("tollgate") ? proxy("fixed", "fixed") : undefined;
  const proc = wanted("tollgate") ? proxy("proc", "proc") : undefined;
  const procTree = wanted("tollgate") ? proxy("proc_tree", "proc_tree") : undefined;
  // A proxy of its own for RSS: it must not carry what the load rows left behind.
  const memory = wanted("memory") ? proxy("memory", "fixed") : undefined;
  const peerRowsReady = peers(setup, children, stack, wanted);
  const control = wanted("control") ? startControl(setup, children, stack) : undefined;
  const approval = wanted("control")
    ? startApproval(setup, children, stack, setup.budget.subscribedProxies)
    : undefined;
  // One proxy of its own: the auto-approved revisions must not race the approve row's.
  const auto = wanted("control")
    ? startApproval(setup, children, stack, 1, { name: "auto-repo" })
    : undefined;
  // Compiling the decide() policies keeps this process busy while the children start.
  const decide = wanted("decide") ? decideRows(setup.budget.decideMs) : [];
  const rows: Row[] = [...directRows(setup)];
  if (fixed && proc && procTree) {
    rows.push(...tollgateRows(setup, await fixed, { host: await proc, tree: await procTree }));
  }
  rows.push(...await peerRowsReady);
  rows.push(...decide);
  if (memory) rows.push(memoryRow(setup, await memory));
  if (control) {
    const { repo, proxy: start } = await control;
    rows.push(proposalRow(setup, repo, start));
  }
  if (approval) rows.push(approveRow(setup, await approval, setup.budget.subscribedProxies));
  if (approval) rows.push(...inboxRows(setup, await approval, setup.budget.subscribedProxies));
  if (auto) rows.push(autoApproveRow(setup, await auto), authorityDeltaRow(setup.budget.decideMs));
  if (wanted("control")) {
    rows.push(await sandboxStartRow(setup, setup.budget.sandboxRuns));
    rows.push(await sandboxStartRow(setup, setup.budget.sandboxRuns, true));
    rows.push(await sandboxConnectionRow(setup, setup.budget.sandboxRuns * 5));
  }
  if (wanted("control")) rows.push(...remoteRows(setup));
  if (wanted("control")) rows.push(...await cliStartRows(setup, setup.budget.sandboxRuns));
  return { rows, stages: scale && wanted("scale") ? scaleStages(setup, children, wanted) : [] };
}

/**
 * The `--scale` stages. Set up together with the ordinary rows, their fixtures (100 proxy
 * processes, 10,000 proposals, Squids) made those rows measure a crowded host.
 */
function scaleStages(
  setup: BenchSetup,
  children: ChildProcesses,
  wanted: (idPrefix: string) => boolean,
): RowStage[] {
  const stages: (RowStage & { prefixes: string[] })[] = [
    {
      name: "the data-plane scale proxies (Tollgate, Squid, ssl-bump Squid)",
      prefixes: [
        "scale.tollgate",
        "scale.squid",
        "scale.floor",
        "scale.bulk",
        "scale.h2",
        "scale.identity",
      ],
      build: (stack) => {
        const start = (name: string, extraRules: string, h2Port?: number) => {
          const withH2 = { ...setup, upstreams: { ...setup.upstreams, h2Port } };
          return startProxyChild(withH2, children, stack, name, "fixed", undefined, extraRules);
        };
        return dataPlaneScaleRows(setup, children, stack, wanted, start);
      },
    },
    {
      name: "the control-plane scale fixtures (10,000 rules, 10,000 pending, 100 proxies)",
      prefixes: ["scale.load", "scale.reload", "scale.approve", "scale.status", "scale.list"],
      build: (stack) => scaleRows(setup, children, stack, wanted),
    },
    {
      name: "the audit day (1,000,000 allowed events)",
      prefixes: ["scale.audit", "scale.denials", "scale.logs"],
      build: () => auditRows(setup, wanted),
    },
  ];
  // A stage none of whose rows is wanted (--only) sets nothing up.
  return stages.filter((stage) => stage.prefixes.some(wanted));
}

async function startControl(
  setup: BenchSetup,
  children: ChildProcesses,
  stack: AsyncDisposableStack,
): Promise<{ repo: ControlRepo; proxy: ProxyStart }> {
  const repo = await createControlRepo(setup);
  const policiesDir = repo.policiesDir;
  const proxy = await startProxyChild(setup, children, stack, "control", "fixed", policiesDir);
  return { repo, proxy };
}

async function startProxyChild(
  setup: BenchSetup,
  children: ChildProcesses,
  stack: AsyncDisposableStack,
  name: string,
  identity: ProxyIdentity,
  policiesDir?: string,
  extraRules?: string,
): Promise<ProxyStart> {
  try {
    const options = { name, identity, policiesDir, ...(extraRules ? { extraRules } : {}) };
    const proxy = await startTollgateProxy(setup, children, options);
    stack.defer(() => proxy.stop());
    return { ok: true, proxy };
  } catch (error) {
    return { ok: false, note: (error as Error).message };
  }
}

async function peers(
  setup: BenchSetup,
  children: ChildProcesses,
  stack: AsyncDisposableStack,
  wanted: (idPrefix: string) => boolean,
): Promise<Row[]> {
  const options = {
    upstreamPorts: [setup.upstreams.httpPort, setup.upstreams.httpsPort],
    dir: setup.dir,
    maxSeconds: setup.budget.repetitions === 1 ? 180 : 1800,
    cpus: setup.pinning?.servers,
  };
  const starts = ([["squid", startSquid], ["tinyproxy", startTinyproxy]] as const)
    .filter(([name]) => wanted(`peer.${name}`))
    .map(async ([name, start]): Promise<PeerStart> => {
      try {
        const peer = await start(children, options);
        if (peer.ok) stack.defer(() => peer.stop());
        return peer;
      } catch (error) {
        return { ok: false, name, note: `${name} did not start: ${(error as Error).message}` };
      }
    });
  return (await Promise.all(starts)).flatMap((peer) => peerRows(setup, peer));
}
