/**
 * The inbox rows (#16), on the approval row's gateway and fleet:
 * - proposal submitted → visible in an open inbox: from the submit call to the moment the
 *   page's pending list (fetched on the stream's `proposal.created`, as the page script does)
 *   holds the proposal;
 * - inbox approve → N proxies enforcing: from posting the inbox's approve form to the moment
 *   the last proxy swapped in the new revision, by the proxies' own clocks.
 *
 * @module
 */

import type { RunningGateway } from "../../gateway/mod.ts";
import { CONTROL_POLICY, proposedRule } from "./rows_control.ts";
import type { ApproveStart } from "./rows_approve.ts";
import { openInboxProbe } from "./inbox_probe.ts";
import type { BenchSetup } from "./setup.ts";
import type { Row } from "./row.ts";
import type { Sample } from "./report.ts";
import { summarize } from "./stats.ts";
import { settleDisk } from "./settle_disk.ts";

const TIMEOUT_MS = 10_000;

async function submit(gateway: RunningGateway, tag: string): Promise<string> {
  const submitted = await gateway.store.submit({
    policy: CONTROL_POLICY,
    ruleName: `inbox_${tag.replaceAll("-", "_")}`,
    rule: proposedRule(tag, 443),
    rationale: "Benchmark inbox",
  });
  if (!submitted.accepted) throw new Error(`Proposal refused: ${submitted.reasons.join("; ")}`);
  return submitted.proposal.id;
}

/** Time `count` runs of `once`, collecting latencies in ms and the first error. */
async function timeEach(count: number, once: (i: number) => Promise<number>): Promise<Sample> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  for (let i = -1; i < count; i++) {
    try {
      const ms = await once(i);
      // i = -1 is the untimed warm-up.
      if (i >= 0) latencies.push(ms);
    } catch (error) {
      if (i >= 0) errors++;
      firstError ??= (error as Error).message;
    }
  }
  const stats = summarize(latencies, performance.now() - start);
  return { ...stats, errors, ...(firstError ? { firstError } : {}) };
}

/**
 * The inbox rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { inboxRows } from "./rows_inbox.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * const rows = inboxRows(setup, { ok: false, note: "gateway did not start" }, 10);
 * assert.deepEqual(rows.map((row) => row.info.id), [
 *   "control.inbox_visible",
 *   "control.inbox_approve_to_enforcing",
 * ]);
 * ```
 */
export function inboxRows(setup: BenchSetup, start: ApproveStart, count: number): Row[] {
  const visible: Row = {
    info: {
      id: "control.inbox_visible",
      group: "control",
      label: "proposal submitted → visible in an open inbox",
      per: "proposal",
    },
  };
  const approve: Row = {
    info: {
      id: "control.inbox_approve_to_enforcing",
      group: "control",
      label: `inbox approve → ${count} connected proxies enforcing`,
      per: "approval",
    },
  };
  if (!start.ok) return [{ ...visible, skipped: start.note }, { ...approve, skipped: start.note }];
  const { gateway, fleet } = start;
  let run = 0;
  const withInbox = async (
    fn: (inbox: Awaited<ReturnType<typeof openInboxProbe>>) => Promise<Sample>,
  ) => {
    await settleDisk();
    const token = await gateway.credentials.addReviewer(`tollgate-bench-inbox-${++run}`);
    const inbox = await openInboxProbe(gateway, token);
    try {
      return await fn(inbox);
    } finally {
      await inbox.close();
    }
  };
  visible.measure = () =>
    withInbox((inbox) =>
      timeEach(setup.budget.approvals, async (i) => {
        const t0 = performance.now();
        const id = await submit(gateway, `v-${run}-${i}`);
        await inbox.created(id, TIMEOUT_MS);
        if (!(await inbox.pendingList()).includes(id)) throw new Error(`${id} not listed`);
        const ms = performance.now() - t0;
        // Untimed: keep the pending list (and the sandbox's pending cap) small.
        await gateway.store.reject(id, { reason: "benchmark", rejectedBy: "bench" });
        return ms;
      })
    );
  approve.measure = () =>
    withInbox((inbox) =>
      timeEach(setup.budget.approvals, async (i) => {
        const id = await submit(gateway, `a-${run}-${i}`);
        const form = await inbox.open(id); // the page the reviewer approves from, untimed
        const t0 = performance.timeOrigin + performance.now();
        await inbox.approve(id, form);
        const revision = (await gateway.store.get(id))?.meta.decision?.revision;
        if (revision === undefined) throw new Error(`${id} has no revision`);
        const at = await fleet.enforcing(revision, TIMEOUT_MS, t0);
        return Math.max(...at) - t0;
      })
    );
  return [visible, approve];
}
