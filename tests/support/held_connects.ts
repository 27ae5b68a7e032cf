/**
 * Many CONNECTs held open by one client, each to a name of its own: the hostile side of the DNS
 * tests, whose lookups the test's resolver keeps waiting.
 *
 * @module
 */

/**
 * Open `count` connections to the proxy at `port`, each sending `CONNECT n<i>.<domain>:443` and
 * left open for the caller to close. Ones opened before a failure are closed with it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { holdConnects } from "./held_connects.ts";
 * const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const held = await holdConnects(server.addr.port, 2, "stall.example");
 * const first = await server.accept();
 * const head = new Uint8Array(64);
 * const n = (await first.read(head))!;
 * assert.match(new TextDecoder().decode(head.subarray(0, n)), /^CONNECT n0\.stall\.example:443 /);
 * assert.equal(held.length, 2);
 * for (const conn of held) conn.close();
 * first.close();
 * server.close();
 * ```
 */
export async function holdConnects(
  port: number,
  count: number,
  domain: string,
): Promise<Deno.Conn[]> {
  const held: Deno.Conn[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      held.push(conn);
      const name = `n${i}.${domain}:443`;
      await conn.write(
        new TextEncoder().encode(`CONNECT ${name} HTTP/1.1\r\nHost: ${name}\r\n\r\n`),
      );
    }
    return held;
  } catch (error) {
    for (const conn of held) conn.close();
    throw error;
  }
}
