/**
 * Smoke tests of the control-plane rows that run against a real gateway with a stand-in
 * fleet (inbox #16, automation #17): each finishes without errors. Speed is never asserted.
 */
import assert from "node:assert/strict";
import { startGateway } from "../../gateway/mod.ts";
import { createControlRepo } from "./rows_control.ts";
import { inboxRows } from "./rows_inbox.ts";
import { authorityDeltaRow, autoApproveRow } from "./rows_automation.ts";
import type { BenchSetup } from "./mod.ts";
import type { ApproveStart } from "./rows_approve.ts";
import type { Row } from "./row.ts";

/** A gateway on a control repository and a fleet that is "enforcing" as soon as asked. */
async function withControlGateway(
  rows: (setup: BenchSetup, start: ApproveStart) => Row[],
  check: (row: Row, sample: { samples: number }) => void,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-control-bench-" });
  const setup = {
    dir,
    upstreams: { httpPort: 9, httpsPort: 9 },
    budget: { approvals: 2 },
  } as unknown as BenchSetup;
  const repo = await createControlRepo(setup);
  const gateway = await startGateway({
    policiesDir: repo.policiesDir,
    stateDir: `${dir}/state`,
    listen: "127.0.0.1:0",
  });
  // Stand-in fleet (the real fleet is child processes).
  const fleet = {
    enforcing: () => Promise.resolve([performance.timeOrigin + performance.now()]),
    stop: () => Promise.resolve(),
    ports: [],
  };
  try {
    for (const row of rows(setup, { ok: true, gateway, fleet } as ApproveStart)) {
      const sample = await row.measure!();
      assert.equal(sample.errors, 0, `${row.info.id}: ${sample.firstError}`);
      check(row, sample);
    }
  } finally {
    await gateway.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("inbox bench rows #16: submitted → visible and inbox approve → enforcing run end to end (smoke)", async () => {
  const ids: string[] = [];
  await withControlGateway((setup, start) => inboxRows(setup, start, 1), (row, sample) => {
    ids.push(row.info.id);
    assert.equal(sample.samples, 2);
  });
  assert.deepEqual(ids, ["control.inbox_visible", "control.inbox_approve_to_enforcing"]);
});

Deno.test("automation bench rows #17: auto-approval → enforcing and the authority delta run end to end (smoke)", async () => {
  await withControlGateway(
    (setup, start) => [autoApproveRow(setup, start), authorityDeltaRow(50)],
    (row, sample) => assert.ok(sample.samples > 0, row.info.id),
  );
});
