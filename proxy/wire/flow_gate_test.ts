import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import type { Buffer } from "node:buffer";
import { CertificateAuthority } from "../tls/mod.ts";
import { tlsTransport } from "./flow_gate.ts";

/** Deno-internal: a TLS socket on its TCP socket's handle runs natively (see flow_gate.ts). */
function isNative(secure: tls.TLSSocket): boolean {
  const handle = (secure as unknown as { _handle?: { _nativeTcpHandle?: unknown } })._handle;
  return Boolean(handle?._nativeTcpHandle);
}

Deno.test("tlsTransport() keeps a TCP socket's native TLS path and hands it the ClientHello read early", async () => {
  const dir = await Deno.makeTempDir();
  const ca = await CertificateAuthority.loadOrCreate(dir);
  const leaf = await ca.mintLeaf(["a.example"]);
  const secureContext = tls.createSecureContext({ cert: leaf.chainPem, key: leaf.keyPem });
  const served = Promise.withResolvers<{ native: boolean; sameSocket: boolean }>();
  const sockets: net.Socket[] = [];
  const server = net.createServer((raw) => {
    sockets.push(raw);
    // As interception does: read the first bytes (the ClientHello) to tell TLS from HTTP.
    raw.once("data", (first: Buffer) => {
      raw.pause();
      const { stream, flow } = tlsTransport(raw, [first]);
      assert.ok(flow);
      const secure = new tls.TLSSocket(stream, { isServer: true, secureContext });
      sockets.push(secure);
      secure.on("error", () => {});
      secure.once("data", (data) => {
        secure.end(`pong ${data}`);
        served.resolve({ native: isNative(secure), sameSocket: stream === raw });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = tls.connect({
    port,
    host: "127.0.0.1",
    servername: "a.example",
    ca: [ca.certPem],
  });
  try {
    await new Promise((resolve) => client.once("secureConnect", resolve));
    client.write("ping");
    const answer = await new Promise<string>((resolve) => {
      client.once("data", (data) => resolve(String(data)));
    });
    assert.equal(answer, "pong ping");
    assert.deepEqual(await served.promise, { native: true, sameSocket: true });
  } finally {
    client.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await Deno.remove(dir, { recursive: true });
  }
});
