/**
 * The trusted-automation rows (issue #17): an auto-approvable proposal submitted → the agent's
 * retry allowed (its proxy enforces the auto-approved revision), and the authority delta of a
 * proposal against a 1,000-rule policy.
 *
 * @module
 */

import { join } from "node:path";
import type { RunningGateway } from "../../gateway/mod.ts";
import { authorityDelta } from "../../gateway/authority/mod.ts";
import { compilePolicy, type NetworkRule } from "../../proxy/policy/mod.ts";
import { syntheticPolicy } from "../../tests/support/synthetic_policy.ts";
import { FIXED_EXE } from "./bench_policy.ts";
import type { ApproveStart } from "./rows_approve.ts";
import { CONTROL_POLICY, proposedRule } from "./rows_control.ts";
import type { ProxyFleet } from "./proxy_fleet.ts";
import type { RowInfo, Sample } from "./report.ts";
import type { Row } from "./row.ts";
import type { BenchSetup } from "./setup.ts";
import { summarize } from "./stats.ts";
import { timeRuns } from "./time_runs.ts";

const ENFORCE_TIMEOUT_MS = 10_000;

/** The org ceiling and the one pattern the auto-approval row's proposals fit. */
const CEILING = `version: 1
network_policies:
  bench_approved:
    endpoints:
      - { host: "*.bench-approved.example", port: 443, protocol: rest, access: read-only }
    binaries: [{ path: ${FIXED_EXE} }]
`;
const PATTERNS = `version: 1
patterns:
  - name: bench_reads
    hosts: ["*.bench-approved.example"]
    ports: [443]
    methods: [GET, HEAD, OPTIONS]
    paths: ["/**"]
    binaries: [${FIXED_EXE}]
`;

/**
 * Auto-approvable proposal submitted → the agent's retry allowed: from the submit until the
 * proxy (one, following the gateway) swapped in the revision the auto-approval wrote.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { autoApproveRow } from "./rows_automation.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * const row = autoApproveRow(setup, { ok: false, note: "gateway did not start" });
 * assert.equal(row.info.id, "control.auto_approve_to_allowed");
 * assert.equal(row.skipped, "gateway did not start");
 * ```
 */
export function autoApproveRow(setup: BenchSetup, start: ApproveStart): Row {
  const info: RowInfo = {
    id: "control.auto_approve_to_allowed",
    group: "control",
    label: "auto-approvable proposal submitted → the agent's retry allowed",
    per: "proposal",
  };
  if (!start.ok) return { info, skipped: start.note };
  let run = 0;
  return {
    info,
    measure: async () => {
      const dir = start.gateway.store.policiesDir;
      await Deno.writeTextFile(join(dir, "ceiling.yaml"), CEILING);
      await Deno.writeTextFile(join(dir, "auto_approve.yaml"), PATTERNS);
      return await timeAutoApprovals(start.gateway, start.fleet, setup.budget.approvals, ++run);
    },
  };
}

async function timeAutoApprovals(
  gateway: RunningGateway,
  fleet: ProxyFleet,
  count: number,
  run: number,
): Promise<Sample> {
  return await timeRuns(
    count,
    () => autoOnce(gateway, fleet, `aw-${run}`),
    (i) => autoOnce(gateway, fleet, `au-${run}-${i}`),
  );
}

/** Submit one auto-approvable proposal; ms until the proxy enforces its revision. */
async function autoOnce(gateway: RunningGateway, fleet: ProxyFleet, tag: string): Promise<number> {
  const t0 = performance.timeOrigin + performance.now();
  const submitted = await gateway.store.submit({
    policy: CONTROL_POLICY,
    ruleName: `auto_${tag.replaceAll("-", "_")}`,
    rule: proposedRule(tag, 443),
    rationale: "Benchmark auto-approval",
    // A sandbox per proposal: one sandbox gets 20 auto-approvals an hour, and the full run's
    // repetitions submit more (each row measures one proposal's path, not a sandbox's count).
    sandbox: `sb-bench-${tag}`,
  });
  if (!submitted.accepted) throw new Error(`Proposal refused: ${submitted.reasons.join("; ")}`);
  const { status, approvedRevision: revision } = submitted.proposal;
  if (status !== "approved" || revision === undefined) {
    throw new Error(`The proposal was not auto-approved (${status})`);
  }
  const [at] = await fleet.enforcing(revision, ENFORCE_TIMEOUT_MS, t0);
  return at! - t0;
}

/** Calls of authorityDelta() per timed batch (one call is too short for `performance.now()`). */
const DELTA_BATCH = 20;

/**
 * The authority delta of a proposal at a 1,000-rule policy: per-call time of `authorityDelta`
 * over a mix of rules (new host, new method on a policy host, already covered, any binary).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { authorityDeltaRow } from "./rows_automation.ts";
 *
 * const row = authorityDeltaRow(20, 100); // measure for 20 ms, at a 100-rule policy
 * const sample = await row.measure!();
 * assert.ok(sample.samples > 0);
 * ```
 */
export function authorityDeltaRow(maxMs: number, rules = 1000): Row {
  const policy = syntheticPolicy(rules);
  const compiled = compilePolicy(policy);
  const mix = deltaMix(Object.values(policy.network_policies));
  return {
    info: {
      id: "control.authority_delta_1000",
      group: "control",
      label: `authority delta at a ${rules.toLocaleString("en-US")}-rule policy`,
      per: "proposal",
    },
    measure: () => {
      const perCall: number[] = [];
      const start = performance.now();
      let added = 0;
      while (performance.now() - start < maxMs) {
        const t0 = performance.now();
        for (let i = 0; i < DELTA_BATCH; i++) {
          added += authorityDelta(compiled, mix[i % mix.length]!).added.length;
        }
        perCall.push((performance.now() - t0) / DELTA_BATCH);
      }
      if (added === 0) throw new Error("The authority delta mix added nothing");
      return Promise.resolve({ ...summarize(perCall, performance.now() - start), errors: 0 });
    },
  };
}

function deltaMix(existing: NetworkRule[]): NetworkRule[] {
  const fresh = proposedRule("delta", 443);
  const picks = [existing[0], existing[Math.floor(existing.length / 2)], existing.at(-1)];
  const covered = picks.filter((r): r is NetworkRule => r !== undefined);
  const anyBinary = { endpoints: fresh.endpoints };
  return [fresh, ...covered, anyBinary];
}
