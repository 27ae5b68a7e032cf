/**
 * The HTTP/2 rows end to end on a tiny budget (1 MiB transfers, a few hundred requests):
 * through a real Tollgate proxy child and, where Debian's squid-openssl is installed, a real
 * ssl-bump Squid. Every byte must arrive and every request be answered; speed is never asserted.
 */
import assert from "node:assert/strict";
import { ChildProcesses } from "./child_processes.ts";
import { budgetFor } from "./budget.ts";
import { startBumpSquid } from "./bump_squid.ts";
import { spawnH2Origin } from "./h2_origin.ts";
import { h2Rows } from "./rows_h2.ts";
import { uploadRule } from "./scale_data_plane.ts";
import type { BenchSetup } from "./setup.ts";
import { UPSTREAM_NAMES } from "./setup.ts";
import { createTestCertificates } from "./test_ca.ts";
import { startTollgateProxy } from "./tollgate_proxy.ts";
import { startUpstreams } from "./upstream_servers.ts";

Deno.test("h2Rows() move every byte and answer every stream through Tollgate (smoke)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-h2-bench-" });
  const certs = await createTestCertificates(UPSTREAM_NAMES, dir);
  const upstreams = await startUpstreams(certs);
  await using children = new ChildProcesses();
  // Its own process, as in the bench: Deno 2.9's node:http2 may abort the process a client left.
  const origin = await spawnH2Origin(children, certs, dir);
  try {
    const budget = { ...budgetFor(true), keepAlive: { maxRequests: 200, maxMs: 5000, warmup: 8 } };
    const setup: BenchSetup = {
      budget,
      certs,
      upstreams: { ...upstreams, h2Port: origin.port },
      dir,
    };
    const extraRules = uploadRule(setup);
    const proxy = await startTollgateProxy(setup, children, {
      name: "h2",
      identity: "fixed",
      extraRules,
    });
    // Squid drops to its own user, which must traverse the temp directory.
    await Deno.chmod(dir, 0o755);
    const options = { upstreamPorts: [upstreams.httpsPort], dir, maxSeconds: 120 };
    const bump = await startBumpSquid(children, options, certs.caPem);
    const squid = { ok: false as const, name: "squid", note: "not needed" };
    const rows = h2Rows(setup, { tollgate: { ok: true, proxy }, squid, bump }, 1024 * 1024);
    const measured: string[] = [];
    for (const row of rows) {
      if (row.info.id.startsWith("scale.h2.squid") && !bump.ok) continue;
      assert.equal(row.skipped, undefined, `${row.info.id}: ${row.skipped}`);
      const sample = await row.measure!();
      assert.equal(sample.errors, 0, `${row.info.id}: ${sample.firstError}`);
      assert.ok(sample.samples > 0, row.info.id);
      measured.push(row.info.id);
    }
    assert.ok(measured.includes("scale.h2.tollgate.upload"));
    assert.ok(measured.includes("scale.h2.tollgate_h1.c64"));
    if (bump.ok) await bump.stop();
    await proxy.stop();
  } finally {
    await origin.close();
    await upstreams.close();
    await Deno.remove(dir, { recursive: true });
  }
});
