/**
 * Upstream connections: TLS verification against the extra CAs (remembered per host), clear
 * errors for untrusted and mismatched certificates, keep-alive reuse in the pool, Deno's
 * native TLS path.
 */
import assert from "node:assert/strict";
import { UpstreamError, UpstreamPool } from "../proxy/mod.ts";
import { startTestUpstreams } from "./support/mod.ts";

Deno.test("UpstreamPool verifies TLS upstreams and pools kept-alive connections", async () => {
  const upstreams = await startTestUpstreams({ hosts: ["api.github.com"] });
  const trusting = new UpstreamPool({ upstreamCa: [upstreams.caPem] });
  const distrusting = new UpstreamPool();
  const target = {
    host: "api.github.com",
    port: 443,
    address: "127.0.0.1",
    connectPort: upstreams.httpsPort,
    tls: true,
  };
  try {
    const first = await trusting.acquire(target);
    assert.equal(first.reused, false);
    // On its TCP socket's handle (Deno's native TLS path), not over a JS stream that costs
    // JS plumbing per TLS record.
    assert.ok(nativeTls(first.stream.socket));
    trusting.release(first, true);
    const second = await trusting.acquire(target);
    assert.equal(second.reused, true);
    assert.equal(second.stream, first.stream);
    trusting.release(second, false);

    await assert.rejects(distrusting.acquire(target), (error: unknown) => {
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.code, "upstream_tls_error");
      assert.equal(error.message, "The certificate of api.github.com is not trusted");
      return true;
    });
    await assert.rejects(trusting.acquire({ ...target, host: "other.example.com" }), {
      message: "The certificate of other.example.com does not match the host name",
    });
    await assert.rejects(
      trusting.acquire({ ...target, tls: false, connectPort: 1 }),
      { code: "upstream_unreachable" },
    );
  } finally {
    trusting.close();
    distrusting.close();
    await upstreams.close();
  }
});

/** Deno-internal: a TLS socket on its TCP socket's handle has the handle attached natively. */
function nativeTls(socket: unknown): boolean {
  const handle = (socket as { _handle?: { _nativeTcpHandle?: unknown } })._handle;
  return Boolean(handle?._nativeTcpHandle);
}
