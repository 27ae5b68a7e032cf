import assert from "node:assert/strict";
import { ChildProcesses } from "./child_processes.ts";
import { startFloorRelay } from "./floor_relay.ts";
import { getRequest, tunnelOpener } from "./http_rows.ts";
import { runLoad } from "./load_generator.ts";
import { BENCH_HOSTS, OK_PATH, UPSTREAM_NAMES } from "./setup.ts";
import { createTestCertificates } from "./test_ca.ts";
import { startUpstreams } from "./upstream_servers.ts";

Deno.test("startFloorRelay() with certificates serves kept-alive requests through its TLS", async () => {
  const dir = await Deno.makeTempDir();
  const certs = await createTestCertificates(UPSTREAM_NAMES, dir);
  const upstreams = await startUpstreams(certs);
  try {
    await using children = new ChildProcesses();
    const o = { upstreamPorts: [], dir, maxSeconds: 60 };
    const floor = await startFloorRelay(children, o, { certs, v8Flags: "--max-semi-space-size=8" });
    assert.ok(floor.ok, floor.ok ? "" : floor.note);
    const authority = `${BENCH_HOSTS.l7}:${upstreams.httpsPort}`;
    const open = tunnelOpener(floor.port, authority, {
      servername: BENCH_HOSTS.l7,
      ca: [certs.caPem],
    });
    const result = await runLoad({
      mode: "keep-alive",
      open,
      request: getRequest(authority, OK_PATH),
      expectStatus: 200,
      maxRequests: 5,
      maxMs: 10_000,
    });
    assert.equal(result.errors, 0, result.firstError);
    assert.equal(result.samples, 5);
    await floor.stop();
  } finally {
    await upstreams.close();
    await Deno.remove(dir, { recursive: true });
  }
});
