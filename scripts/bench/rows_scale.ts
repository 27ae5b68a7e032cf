/**
 * The `--scale` rows (issue #15 items 4-6), kept out of `--quick` since their set-up takes
 * minutes: a 10,000-rule policy loaded, reloaded (the longest wait of the event loop meanwhile)
 * and approved, alone and followed by 10 proxies; 10,000 pending proposals read, listed and
 * approved; one approval reaching 100 proxies, a process each.
 *
 * @module
 */

import { loadPolicyText } from "../../proxy/policy/mod.ts";
import { type ProposalStore, renderProposalList } from "../../gateway/mod.ts";
import type { ChildProcesses } from "./child_processes.ts";
import { CONTROL_POLICY, createControlRepo, proposedRule } from "./rows_control.ts";
import { approveRow, startApproval } from "./rows_approve.ts";
import { benchPolicyYaml, FIXED_EXE } from "./bench_policy.ts";
import { fillPending, syntheticRulesYaml } from "./scale_fixtures.ts";
import { type ReloadWaitChild, startReloadWait } from "./reload_wait.ts";
import type { BenchSetup } from "./setup.ts";
import type { Row } from "./row.ts";
import type { RowInfo, Sample } from "./report.ts";
import { summarize } from "./stats.ts";

/** Rules of the large policy, pending proposals of the crowded store, proxies of the fleet. */
export const SCALE = { rules: 10_000, pending: 10_000, fleet: 100 } as const;

/**
 * Build the scale rows, starting their gateways and fleets on `stack`.
 *
 * @example
 * ```ts ignore
 * // Not run as a doc test: it builds 10,000-rule and 10,000-proposal fixtures (seconds).
 * rows.push(...await scaleRows(setup, children, stack));
 * ```
 */
export async function scaleRows(
  setup: BenchSetup,
  children: ChildProcesses,
  stack: AsyncDisposableStack,
  wanted: (idPrefix: string) => boolean,
): Promise<Row[]> {
  const extraRules = syntheticRulesYaml(SCALE.rules);
  const { httpPort, httpsPort } = setup.upstreams;
  const big = benchPolicyYaml({ httpPort, httpsPort, binaries: [FIXED_EXE], extraRules });
  const bigRepo = await createControlRepo(setup, "scale-rules-repo", extraRules);
  const crowded = await createControlRepo(setup, "scale-pending-repo");
  const ids = wanted("scale.status") || wanted("scale.list") || wanted("scale.approve_10000_p")
    ? await fillPending(crowded.store, CONTROL_POLICY, SCALE.pending)
    : [];
  // The first approval turns the file's revision key into the comment (a whole-file rewrite).
  if (wanted("scale.approve_10000")) await (await prepareApproval(bigRepo.store, "warm-up"))();
  const reloading = wanted("scale.reload_wait")
    ? await startReloadWait(setup, children, { policy: CONTROL_POLICY, text: big })
    : undefined;
  if (reloading) stack.defer(() => reloading.stop());
  const skip = { ok: false as const, note: "not wanted (--only)" };
  const ten = wanted("scale.approve_to_10")
    ? await startApproval(setup, children, stack, 10, { name: "scale-approve-repo", extraRules })
    : skip;
  const hundred = wanted("scale.approve_to_100")
    ? await startApproval(setup, children, stack, SCALE.fleet, { name: "scale-fleet-repo" })
    : skip;
  return [
    timed("scale.load_10000", "load a 10,000-rule policy", "load", () => {
      void loadPolicyText(big, "bench.yaml").compiled;
      return Promise.resolve();
    }),
    ...reloading ? [reloadRow(reloading)] : [],
    timed(
      "scale.approve_10000",
      "approve into a 10,000-rule policy",
      "approval",
      (i) => prepareApproval(bigRepo.store, `r-${i}`),
    ),
    approveRow(setup, ten, 10, {
      id: "scale.approve_to_10_proxies_10000",
      label: "approve → 10 proxies enforcing, 10,000 rules",
    }),
    timed("scale.status_10000_pending", "status of one of 10,000 pending", "read", async (i) => {
      await crowded.store.status(ids[(i * 7919) % ids.length]!);
    }),
    timed("scale.list_10000_pending", "proposals list of 10,000 pending", "list", async () => {
      renderProposalList(await crowded.store.listing(), false);
    }, 1),
    timed(
      "scale.approve_10000_pending",
      "approve with 10,000 pending",
      "approval",
      (i) => prepareApproval(crowded.store, `p-${i}`),
    ),
    approveRow(setup, hundred, SCALE.fleet, {
      id: "scale.approve_to_100_proxies",
      label: `approve → ${SCALE.fleet} connected proxies enforcing (a process each)`,
    }),
  ];
}

/** Submit (untimed); returns the timed approval. */
async function prepareApproval(store: ProposalStore, tag: string): Promise<() => Promise<void>> {
  const submitted = await store.submit({
    policy: CONTROL_POLICY,
    ruleName: `scale_${tag.replaceAll("-", "_")}`,
    rule: proposedRule(`scale-${tag}`, 443),
    rationale: "Benchmark approval",
  });
  if (!submitted.accepted) throw new Error(`Proposal refused: ${submitted.reasons[0]}`);
  const id = submitted.proposal.id;
  return async () => void await store.approve(id, { approvedBy: "tollgate-bench" });
}

/**
 * A row timing `run(i)` `times` times per repetition. `run` may return a function: its
 * preparation is untimed and only the returned function is timed.
 */
function timed(
  id: string,
  label: string,
  per: string,
  run: (i: number) => Promise<void | (() => Promise<void>)>,
  times = 5,
): Row {
  const info: RowInfo = { id, group: "scale", label, per };
  let round = 0;
  return {
    info,
    measure: async (): Promise<Sample> => {
      const latencies: number[] = [];
      const start = performance.now();
      for (let i = 0; i < times; i++) {
        const t0 = performance.now();
        const prepared = await run(round++);
        // A prepared run times only the function it returned.
        const t1 = prepared ? performance.now() : t0;
        if (prepared) await prepared();
        latencies.push(performance.now() - t1);
      }
      return { ...summarize(latencies, performance.now() - start), errors: 0 };
    },
  };
}

/**
 * Reload a 10,000-rule policy in a holder; the value is the longest event-loop wait meanwhile.
 * The holder runs in a child process of its own, as a proxy runs apart from any gateway: in this process it paid for the heap of earlier rows (a full run's
 * gateways and 10,000 pending proposals: 7-9 ms alone, about 110 ms after them).
 */
function reloadRow(child: ReloadWaitChild): Row {
  const info: RowInfo = {
    id: "scale.reload_wait_10000",
    group: "scale",
    label: "longest event-loop wait while a 10,000-rule policy reloads",
    unit: "ms",
    per: "reload",
  };
  let revision = 1;
  return {
    info,
    measure: async (): Promise<Sample> => {
      const result = await child.reload(++revision);
      if (result.revision !== revision) throw new Error("The reload did not swap in");
      const extra = { reloadMs: result.reloadMs, idleWorstMs: result.idleWorstMs };
      return { value: result.worstMs, samples: 1, errors: 0, extra };
    },
    describe: (samples) => {
      const most = (key: string) => Math.max(...samples.map((s) => s.extra?.[key] ?? 0));
      return [
        `a 10,000-rule reload took ${most("reloadMs").toFixed(0)} ms at worst, off the ` +
        `request path; the same probe with nothing to do waited ${
          most("idleWorstMs").toFixed(1)
        } ms at worst`,
      ];
    },
  };
}
