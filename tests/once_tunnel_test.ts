/**
 * A once grant allows one request: a blind tunnel it opened is that request for its whole life.
 * Before, the use was reported at the spend, so the rule's removal reloaded the proxy at once
 * and the re-decision closed the tunnel just allowed (any other reload closed it too, the rule
 * being spent). Now the use is reported when the tunnel ends, a second CONNECT is still
 * refused, and revoking the rule still closes the tunnel.
 */
import assert from "node:assert/strict";
import { leaseComment } from "../proxy/policy/mod.ts";
import { startTestProxy, startTestUpstreams } from "./support/mod.ts";

const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const policyText = (revision: number, once: boolean, extra = "") =>
  `version: 1
revision: ${revision}
network_policies:
${
    once
      ? `  ${leaseComment({ scope: "once", expiresAt: Date.now() + 600_000 })}
  raw_once:
    endpoints: [{ host: raw.example.com, port: 7000 }]
    binaries: [{ path: /usr/bin/curl }]
`
      : ""
  }${extra}`;

/** An echo origin: each line a client sends comes back. */
function echoOrigin(origin: Deno.Listener): Promise<void> {
  return (async () => {
    for await (const conn of origin) {
      void conn.readable.pipeTo(conn.writable).catch(() => {});
    }
  })().catch(() => {});
}

async function openTunnel(port: number): Promise<[Deno.Conn, string]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(encoder.encode("CONNECT raw.example.com:7000 HTTP/1.1\r\nHost: x\r\n\r\n"));
  const buffer = new Uint8Array(4096);
  const n = await conn.read(buffer);
  return [conn, decoder.decode(buffer.subarray(0, n ?? 0))];
}

/** Sends `text`, returns what came back (empty when the tunnel was closed). */
async function echo(conn: Deno.Conn, text: string): Promise<string> {
  try {
    await conn.write(encoder.encode(text));
    const buffer = new Uint8Array(4096);
    const n = await conn.read(buffer);
    return n === null ? "" : decoder.decode(buffer.subarray(0, n));
  } catch {
    return "";
  }
}

async function withOnceProxy(
  run: (proxy: Awaited<ReturnType<typeof startTestProxy>>, used: string[]) => Promise<void>,
): Promise<void> {
  using origin = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = echoOrigin(origin);
  const upstreams = await startTestUpstreams();
  const proxy = await startTestProxy({
    policy: policyText(1, true),
    upstreams,
    identity,
    resolve: [{
      host: "raw.example.com",
      port: 7000,
      address: "127.0.0.1",
      targetPort: origin.addr.port,
    }],
  });
  const used: string[] = [];
  proxy.holder.onSpent((key, expiresAt) => used.push(`${key} ${expiresAt !== undefined}`));
  try {
    await run(proxy, used);
  } finally {
    await proxy.close();
    await upstreams.close();
    origin.close();
    await serving;
  }
}

Deno.test("once: the blind tunnel a once rule allowed outlives an unrelated reload; its use is reported when it ends", async () => {
  await withOnceProxy(async (proxy, used) => {
    const [tunnel, head] = await openTunnel(proxy.port);
    assert.match(head, /^HTTP\/1.1 200 /);
    assert.equal(await echo(tunnel, "one\n"), "one\n");
    assert.deepEqual(used, []); // still in use: the rule is not asked away yet
    // One request: a second tunnel is refused (told in-band, so the CONNECT itself gets 200).
    const [second] = await openTunnel(proxy.port);
    second.close();
    const opens = proxy.events.filter((e) => e.activity_name === "Open").map((e) => e.message);
    assert.deepEqual(opens, [
      "ALLOWED CONNECT raw.example.com:7000",
      "DENIED CONNECT raw.example.com:7000",
    ]);
    // An unrelated approval reloads the proxy; the once rule (and its lease) stays.
    const extra = `  other:\n    endpoints: [{ host: other.example.com, port: 7001 }]\n` +
      `    binaries: [{ path: /usr/bin/curl }]\n`;
    const text = (await Deno.readTextFile(proxy.policyFile)).replace("revision: 1", "revision: 2");
    const reloaded = await proxy.holder.reload(`${text}${extra}`);
    assert.ok(reloaded.ok);
    assert.equal(await echo(tunnel, "two\n"), "two\n"); // the tunnel it allowed is still open
    assert.deepEqual(used, []);
    tunnel.close();
    for (let i = 0; i < 100 && used.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(used, ["raw_once true"]); // reported once, with the lease it was spent under
  });
});

Deno.test("once: revoking the once rule closes the tunnel it allowed", async () => {
  await withOnceProxy(async (proxy) => {
    const [tunnel, head] = await openTunnel(proxy.port);
    assert.match(head, /^HTTP\/1.1 200 /);
    assert.equal(await echo(tunnel, "one\n"), "one\n");
    const extra = `  other:\n    endpoints: [{ host: other.example.com, port: 7001 }]\n` +
      `    binaries: [{ path: /usr/bin/curl }]\n`;
    assert.ok((await proxy.holder.reload(policyText(2, false, extra))).ok);
    let closed = false;
    for (let i = 0; i < 100 && !closed; i++) closed = (await echo(tunnel, "x\n")) === "";
    assert.ok(closed, "the tunnel of a revoked once rule stayed open");
    tunnel.close();
  });
});
