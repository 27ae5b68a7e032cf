/**
 * A sandboxed process may CONNECT to as many made-up names as it likes; telling each denial
 * in-band would mint a leaf certificate per name (5-15 ms of the event loop each). Those mints
 * are rationed, so such a loop cannot stall the proxy for other sandboxes.
 */
import assert from "node:assert/strict";
import { startTestProxy, startTestUpstreams } from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  gh:
    endpoints: [{ host: api.github.com, port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
`;

/** The status line a raw `CONNECT host:443` gets. */
async function connectStatus(port: number, host: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}\r\n\r\n`),
    );
    let text = "";
    const buffer = new Uint8Array(4096);
    while (!text.includes("\r\n")) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    return text.split("\r\n")[0]!;
  } finally {
    conn.close();
  }
}

Deno.test("hostile: CONNECTs to made-up names mint leaves within a budget, then get the plain CONNECT 403", async () => {
  const upstreams = await startTestUpstreams();
  // A budget that does not refill within the test, so a slow machine counts the same.
  const denialMints = { burst: 20, mintsPerSecond: 0.001 };
  const proxy = await startTestProxy({ policy: POLICY, upstreams, denialMints });
  try {
    const statuses: string[] = [];
    for (let i = 0; i < 60; i++) {
      statuses.push(await connectStatus(proxy.port, `made-up-${i}.example`));
    }
    const inBand = statuses.filter((s) => / 200 /.test(s)).length;
    const refused = statuses.filter((s) => / 403 /.test(s)).length;
    assert.equal(inBand + refused, 60, statuses.join("\n"));
    assert.equal(inBand, 20, "the first denials are told in-band");
    assert.equal(refused, 40, "past the budget the CONNECT itself is refused");
    // A name already minted stays in-band: the budget only rations new leaves.
    assert.match(await connectStatus(proxy.port, "made-up-0.example"), / 200 /);
    assert.equal(proxy.events.filter((e) => e.action_id === 2).length, 61, "each is one denial");
    assert.equal(upstreams.connections(), 0);
  } finally {
    await proxy.close();
    await upstreams.close();
  }
});
