/**
 * Smoke test of the #17 bench rows: an auto-approvable proposal submitted → enforcing (against a
 * real gateway, with a stand-in fleet) and the authority delta at 1,000 rules both run without
 * errors. Speed is never asserted here.
 */
import assert from "node:assert/strict";
import { startGateway } from "../../gateway/mod.ts";
import { createControlRepo } from "./rows_control.ts";
import { authorityDeltaRow, autoApproveRow } from "./rows_automation.ts";
import type { BenchSetup } from "./mod.ts";

Deno.test("automation bench rows #17: auto-approval → enforcing and the authority delta run end to end (smoke)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-auto-bench-" });
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
  const fleet = {
    enforcing: () => Promise.resolve([performance.timeOrigin + performance.now()]),
    stop: () => Promise.resolve(),
    ports: [],
  };
  try {
    const rows = [autoApproveRow(setup, { ok: true, gateway, fleet }), authorityDeltaRow(50)];
    for (const row of rows) {
      const sample = await row.measure!();
      assert.equal(sample.errors, 0, `${row.info.id}: ${sample.firstError}`);
      assert.ok(sample.samples > 0, row.info.id);
    }
  } finally {
    await gateway.close();
    await Deno.remove(dir, { recursive: true });
  }
});
