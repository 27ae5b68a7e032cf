import assert from "node:assert/strict";
import { ChildProcesses } from "./child_processes.ts";
import { startDenoFloorRelay } from "./floor_relay_deno.ts";
import { getRequest, tunnelOpener } from "./http_rows.ts";
import { runLoad } from "./load_generator.ts";
import { OK_PATH, UPSTREAM_NAMES, upstreamTls } from "./setup.ts";
import { budgetFor } from "./budget.ts";
import { createTestCertificates } from "./test_ca.ts";
import { startUpstreams } from "./upstream_servers.ts";

for (const kind of ["loop", "pipe"] as const) {
  Deno.test(`startDenoFloorRelay(${kind}) relays kept-alive TLS requests to the CONNECT port`, async () => {
    const dir = await Deno.makeTempDir();
    const certs = await createTestCertificates(UPSTREAM_NAMES, dir);
    const upstreams = await startUpstreams(certs);
    try {
      await using children = new ChildProcesses();
      const floor = await startDenoFloorRelay(
        children,
        { upstreamPorts: [], dir, maxSeconds: 60 },
        kind,
      );
      assert.ok(floor.ok, floor.ok ? "" : floor.note);
      const setup = { budget: budgetFor(true), certs, upstreams, dir };
      const authority = `127.0.0.1:${upstreams.httpsPort}`;
      const result = await runLoad({
        mode: "keep-alive",
        open: tunnelOpener(floor.port, authority, upstreamTls(setup)),
        request: getRequest(authority, OK_PATH),
        expectStatus: 200,
        concurrency: 2,
        maxRequests: 10,
        maxMs: 10_000,
      });
      assert.equal(result.errors, 0, result.firstError);
      assert.equal(result.samples, 10);
      await floor.stop();
    } finally {
      await upstreams.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("copyLoop() copies everything, then half-closes the other side", async () => {
  const { copyLoop } = await import("./floor_relay_deno.ts");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [a, b] = await Promise.all([Deno.connect({ port: listener.addr.port }), listener.accept()]);
  listener.close();
  const sent = new Uint8Array(300_000).map((_, i) => i % 251);
  const written: Uint8Array[] = [];
  let halfClosed = false;
  const sink = {
    write: (chunk: Uint8Array) => (written.push(chunk.slice()), Promise.resolve(chunk.length)),
    closeWrite: () => (halfClosed = true, Promise.resolve()),
  };
  const copying = copyLoop(b, sink);
  const writer = a.writable.getWriter();
  await writer.write(sent);
  await writer.close(); // FIN: the loop ends
  await copying;
  assert.ok(halfClosed);
  const got = new Uint8Array(written.reduce((n, c) => n + c.length, 0));
  written.reduce((at, c) => (got.set(c, at), at + c.length), 0);
  assert.deepEqual(got, sent);
  b.close();
});
