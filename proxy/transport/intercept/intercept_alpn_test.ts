import assert from "node:assert/strict";
import { clientPair } from "../examples/client_pair.ts";
import { serveDecrypted } from "./intercept.ts";

/** The protocol the interception agrees with a client offering `offered`, or "refused". */
async function negotiate(offered: string[], h2: boolean): Promise<string | null> {
  await using pair = await clientPair("version: 1\n");
  const secureContext = await pair.ctx.ca.secureContextFor("api.test");
  const serving = serveDecrypted(
    pair.client,
    secureContext,
    () => Promise.resolve(),
    h2 ? (secure) => Promise.resolve(void secure.destroy()) : undefined,
  );
  const tls = await Deno.startTls(pair.peer, {
    hostname: "api.test",
    caCerts: [pair.caPem],
    alpnProtocols: offered,
  });
  try {
    const { alpnProtocol } = await tls.handshake();
    return alpnProtocol;
  } catch {
    return "refused";
  } finally {
    tls.close();
    await serving;
  }
}

Deno.test("serveDecrypted() agrees HTTP/1.1 whenever offered, else h2 when served, else HTTP/1.0", async () => {
  const cases: [string[], boolean, string | null][] = [
    [["h2", "http/1.1"], true, "http/1.1"], // every HTTP/1.1 client keeps its path
    [["h2"], true, "h2"],
    [["h2", "http/1.1"], false, "http/1.1"],
    [["http/1.0"], true, "http/1.0"], // curl --http1.0
    [[], true, null], // no ALPN offered: none agreed, HTTP/1.1 spoken
    [["spdy/3"], true, "refused"],
    [["h2"], false, "refused"],
  ];
  for (const [offered, h2, expected] of cases) {
    assert.equal(await negotiate(offered, h2), expected, `${offered} (h2 ${h2})`);
  }
});
