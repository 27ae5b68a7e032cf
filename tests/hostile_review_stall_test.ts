/**
 * A hostile agent against the review side's capacity: `/wait` long polls through a real proxy
 * to a real gateway.
 */
import assert from "node:assert/strict";
import { POLICY_LOCAL_LIMITS } from "../proxy/policy_local/mod.ts";
import { notesProposal } from "./gateway_fixtures.ts";
import { withProxyOnGateway } from "./proxy_on_gateway.ts";

/** Established client sockets to `port` on 127.0.0.1 (the proxy's side of its gateway calls). */
function connectionsTo(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  return Deno.readTextFileSync("/proc/net/tcp").split("\n").filter((line) => {
    const [, , remote, state] = line.trim().split(/\s+/);
    return remote?.endsWith(hex) && state === "01";
  }).length;
}

async function send(port: number, text: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(text));
  return conn;
}

/** The whole answer of a `Connection: close` exchange (or what came before the peer closed). */
async function answer(conn: Deno.TcpConn): Promise<string> {
  let text = "";
  const buf = new Uint8Array(16 * 1024);
  const decoder = new TextDecoder();
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += decoder.decode(buf.subarray(0, n));
    if (/\r\n\r\n/.test(text) && /\}$/.test(text)) break;
  }
  conn.close();
  return text;
}

Deno.test("hostile review stall: a sandbox holds at most maxConcurrentWaits gateway long polls; more /wait get 429", async () => {
  await withProxyOnGateway(async ({ gateway, port }) => {
    const gatewayPort = Number(new URL(gateway.url).port);
    const body = JSON.stringify(notesProposal());
    const submitted = await answer(
      await send(
        port,
        "POST http://policy.local/v1/proposals HTTP/1.1\r\nHost: policy.local\r\n" +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      ),
    );
    const id = /"accepted_chunk_ids":\["([^"]+)"/.exec(submitted)?.[1];
    assert.ok(id, submitted);
    const before = connectionsTo(gatewayPort);
    const most = POLICY_LOCAL_LIMITS.maxConcurrentWaits;
    const wait = `GET http://policy.local/v1/proposals/${id}/wait?timeout=60 HTTP/1.1\r\n` +
      "Host: policy.local\r\nConnection: close\r\n\r\n";
    const held: Deno.TcpConn[] = [];
    for (let i = 0; i < most; i++) held.push(await send(port, wait));
    // Let every held wait reach the gateway before the extra ones arrive.
    for (let i = 0; i < 100 && connectionsTo(gatewayPort) < before + most; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const extra = await Promise.all(
      Array.from({ length: 2 * most }, async () => answer(await send(port, wait))),
    );
    for (const text of extra) assert.match(text, /^HTTP\/1\.1 429 [^]*"too_many_waits"/);
    // Before the cap, each of these waits held a gateway connection too: 3 x the cap here. Now
    // the held waits' (and some idle pooled) connections only.
    const now = connectionsTo(gatewayPort);
    assert.ok(now < before + most * 1.5, `${now} connections to the gateway, ${before} before`);
    // An agent that hangs up ends its waits, so their slots (and gateway polls) are free again.
    const brief = wait.replace("timeout=60", "timeout=1");
    for (const conn of held.splice(0, 2)) conn.close();
    let again = "";
    for (let i = 0; i < 100 && !again.startsWith("HTTP/1.1 200"); i++) {
      again = await answer(await send(port, brief));
    }
    assert.match(again, /^HTTP\/1\.1 200 [^]*"timed_out":true/);
    await gateway.store.approve(id, { approvedBy: "test" });
    for (const text of await Promise.all(held.map(answer))) {
      assert.match(text, /^HTTP\/1\.1 200 [^]*"status":"approved"/);
    }
    // The slots are free again.
    assert.match(await answer(await send(port, wait)), /^HTTP\/1\.1 200 /);
  });
});
