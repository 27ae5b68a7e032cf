/**
 * Smoke test of the inbox bench rows (#16): both run against a real gateway (with a stand-in
 * fleet) and finish without errors. Speed is never asserted here.
 */
import assert from "node:assert/strict";
import { startGateway } from "../../gateway/mod.ts";
import { createControlRepo } from "./rows_control.ts";
import { inboxRows } from "./rows_inbox.ts";
import type { BenchSetup } from "./mod.ts";

Deno.test("inbox bench rows #16: submitted → visible and inbox approve → enforcing run end to end (smoke)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-inbox-bench-" });
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
  // Stand-in fleet: "enforcing" as soon as asked (the real fleet is child processes).
  const fleet = {
    enforcing: () => Promise.resolve([performance.timeOrigin + performance.now()]),
    stop: () => Promise.resolve(),
    ports: [],
  };
  try {
    const rows = inboxRows(setup, { ok: true, gateway, fleet }, 1);
    assert.deepEqual(rows.map((r) => r.info.id), [
      "control.inbox_visible",
      "control.inbox_approve_to_enforcing",
    ]);
    for (const row of rows) {
      const sample = await row.measure!();
      assert.equal(sample.errors, 0, `${row.info.id}: ${sample.firstError}`);
      assert.equal(sample.samples, 2);
    }
  } finally {
    await gateway.close();
    await Deno.remove(dir, { recursive: true });
  }
});
