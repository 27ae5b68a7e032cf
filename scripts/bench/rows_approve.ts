/**
 * The approve row: approve → N connected proxies enforcing. A gateway (in the benchmark
 * process) serves a policies repository; a fleet of proxies (a child process each, one gateway
 * subscription each, as N sandboxes would run them) follows it. Each approval is timed from the approve request to the
 * moment the last proxy swapped in the new revision, as the proxies' own clocks report it.
 *
 * @module
 */

import { join } from "node:path";
import { GatewayClient, type RunningGateway, startGateway } from "../../gateway/mod.ts";
import type { ChildProcesses } from "./child_processes.ts";
import { CONTROL_POLICY, createControlRepo, proposedRule } from "./rows_control.ts";
import { type ProxyFleet, startProxyFleet } from "./proxy_fleet.ts";
import type { BenchSetup } from "./setup.ts";
import type { Row } from "./row.ts";
import type { RowInfo, Sample } from "./report.ts";
import { median, summarize } from "./stats.ts";
import { settleDisk } from "./settle_disk.ts";

/** The gateway and its fleet, or why they did not start. */
export type ApproveStart =
  | { ok: true; gateway: RunningGateway; fleet: ProxyFleet }
  | { ok: false; note: string };

const ENFORCE_TIMEOUT_MS = 10_000;

/**
 * Start a gateway on its own repository and a fleet of `count` proxies following it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { ChildProcesses } from "./child_processes.ts";
 * import { startApproval } from "./rows_approve.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir,
 * };
 * await using children = new ChildProcesses();
 * await using stack = new AsyncDisposableStack(); // stops the gateway and the fleet
 * const start = await startApproval(setup, children, stack, 1);
 * assert.ok(start.ok, start.ok ? "" : start.note);
 * stack.defer(() => Deno.remove(dir, { recursive: true }));
 * ```
 */
export async function startApproval(
  setup: BenchSetup,
  children: ChildProcesses,
  stack: AsyncDisposableStack,
  count: number,
  repoOptions: { name?: string; extraRules?: string } = {},
): Promise<ApproveStart> {
  try {
    const name = repoOptions.name ?? "approve-repo";
    const repo = await createControlRepo(setup, name, repoOptions.extraRules);
    const gateway = await startGateway({
      policiesDir: repo.policiesDir,
      stateDir: join(setup.dir, `${name}-gateway-state`),
      listen: "127.0.0.1:0",
    });
    stack.defer(() => gateway.close());
    const fleet = await startProxyFleet(setup, children, {
      count,
      gatewayUrl: gateway.url,
      token: gateway.token,
      policy: CONTROL_POLICY,
    });
    stack.defer(() => fleet.stop());
    return { ok: true, gateway, fleet };
  } catch (error) {
    return { ok: false, note: (error as Error).message };
  }
}

/**
 * The approve → enforcing row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { approveRow } from "./rows_approve.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * const row = approveRow(setup, { ok: false, note: "gateway did not start" }, 10);
 * assert.equal(row.info.label, "approve → 10 connected proxies enforcing");
 * assert.equal(row.skipped, "gateway did not start");
 * ```
 */
export function approveRow(
  setup: BenchSetup,
  start: ApproveStart,
  count: number,
  scale?: { id: string; label: string },
): Row {
  const info: RowInfo = {
    id: scale?.id ?? "control.approve_to_enforcing",
    group: scale ? "scale" : "control",
    label: scale?.label ?? `approve → ${count} connected proxies enforcing`,
    per: "approval",
  };
  if (!start.ok) return { info, skipped: start.note };
  let run = 0;
  return {
    info,
    measure: async () => {
      await settleDisk();
      return await timeApprovals(start.gateway, start.fleet, setup.budget.approvals, ++run);
    },
    describe: (samples) => {
      const each = median(samples.flatMap((s) => s.extra?.perProxyP50Ms ?? []));
      const answer = median(samples.flatMap((s) => s.extra?.approveAnsweredP50Ms ?? []));
      return [
        `the approve request answered after ${answer.toFixed(1)} ms (p50); ` +
        `each proxy enforced after ${each.toFixed(1)} ms (p50 over all proxies)`,
      ];
    },
  };
}

async function timeApprovals(
  gateway: RunningGateway,
  fleet: ProxyFleet,
  approvals: number,
  run: number,
): Promise<Sample> {
  // Approvals need a reviewer credential; Approved-By is its name.
  const token = await gateway.credentials.addReviewer(`tollgate-bench-${run}`);
  const client = new GatewayClient({ url: gateway.url, token });
  const latest: number[] = [];
  const perProxy: number[] = [];
  const answered: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  // One untimed approval first: the first pays Git, module and stream warm-up.
  await approveOnce(gateway, client, fleet, `w-${run}`).catch(() => {});
  const start = performance.now();
  for (let i = 0; i < approvals; i++) {
    try {
      const once = await approveOnce(gateway, client, fleet, `a-${run}-${i}`);
      latest.push(Math.max(...once.delays));
      perProxy.push(...once.delays);
      answered.push(once.answered);
    } catch (error) {
      errors++;
      firstError ??= (error as Error).message;
    }
  }
  return {
    ...summarize(latest, performance.now() - start),
    errors,
    ...(firstError ? { firstError } : {}),
    extra: { perProxyP50Ms: median(perProxy), approveAnsweredP50Ms: median(answered) },
  };
}

/**
 * Submit (untimed), approve, wait for every proxy; returns each proxy's delay and the time
 * the approve request took to answer, in ms.
 */
async function approveOnce(
  gateway: RunningGateway,
  client: GatewayClient,
  fleet: ProxyFleet,
  tag: string,
): Promise<{ delays: number[]; answered: number }> {
  const submitted = await gateway.store.submit({
    policy: CONTROL_POLICY,
    ruleName: `bench_${tag.replaceAll("-", "_")}`,
    rule: proposedRule(tag, 443),
    rationale: "Benchmark approval",
  });
  if (!submitted.accepted) throw new Error(`Proposal refused: ${submitted.reasons.join("; ")}`);
  const t0 = performance.timeOrigin + performance.now();
  const approved = await client.approve(submitted.proposal.id);
  const answered = performance.timeOrigin + performance.now() - t0;
  const at = await fleet.enforcing(approved.revision, ENFORCE_TIMEOUT_MS, t0);
  return { delays: at.map((t) => t - t0), answered };
}
