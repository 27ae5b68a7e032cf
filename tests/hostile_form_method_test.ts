/**
 * A method override in a POST's form body (`_method=DELETE`, urlencoded or multipart), which
 * Rails' `Rack::MethodOverride`, Laravel and Symfony honour, is decided as an override header is:
 * a POST grant on a path is no longer a grant to whatever method the body names. Before, REST
 * bodies were not read: a real Rack origin routed such a POST to DELETE past a policy that allows
 * only POST and PATCH there, and past an explicit deny on DELETE.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rackMissing, type RackOrigin, rackPair } from "./rack_origin.ts";
import {
  ITEMS_HOST,
  itemsPolicy,
  skipWhenMissing,
  type TestProxy,
  withOrigins,
} from "./support/mod.ts";

const HOST = ITEMS_HOST;
const ignore = await skipWhenMissing(
  import.meta.url,
  rackMissing(),
  "apt-get install -y ruby-rack ruby-webrick",
);

const ALLOW_POST_PATCH = itemsPolicy([
  '{ method: POST, path: "/items/**" }',
  '{ method: PATCH, path: "/items/**" }',
]);
const DENY_DELETE = itemsPolicy(['{ method: "*", path: "/items/**" }'], [
  '{ method: DELETE, path: "/items/**" }',
]);

interface World {
  proxy: TestProxy;
  rack: RackOrigin;
  rackTls: RackOrigin;
  dir: string;
  send(scheme: "http" | "https", args: string[], path?: string): Promise<number>;
}

function withRack(policy: string, run: (world: World) => Promise<void>): Promise<void> {
  // A 24 MiB upload goes through the scan below: a minute, not the default 30 s.
  const setup = { policy, prefix: "tollgate-rack-", maxTime: 60, ...rackPair(HOST) };
  return withOrigins(setup, ({ origins, proxy, dir, curl }) => {
    const send = async (scheme: "http" | "https", args: string[], path = "/items/1") =>
      (await curl(`${scheme}://${HOST}${path}`, args)).status;
    return run({ proxy, ...origins, dir, send });
  });
}

const methodsSeen = async (origin: RackOrigin) => (await origin.seen()).map((l) => l.split(" ")[0]);

for (const scheme of ["http", "https"] as const) {
  Deno.test({
    name: `hostile form method (${scheme}): a _method the policy does not allow never reaches Rack`,
    ignore,
    fn: () =>
      withRack(ALLOW_POST_PATCH, async ({ rack, rackTls, send, proxy }) => {
        const origin = scheme === "http" ? rack : rackTls;
        assert.equal(await send(scheme, ["-d", "a=1&_method=DELETE"]), 403, "urlencoded");
        assert.equal(await send(scheme, ["-d", "%5Fmethod=delete"]), 403, "escaped name");
        assert.equal(await send(scheme, ["-F", "x=1", "-F", "_method=DELETE"]), 403, "multipart");
        assert.deepEqual(await methodsSeen(origin), [], "Rack acted on a denied override");
        const denial = proxy.events.findLast((e) => e.disposition_id === 2);
        assert.match(JSON.stringify(denial), /POST \(as DELETE\)/);
        // What the policy allows still passes, the override included.
        assert.equal(await send(scheme, ["-d", "a=1&_method=patch"]), 200);
        assert.equal(await send(scheme, ["-F", "_method=PATCH"]), 200);
        assert.equal(await send(scheme, ["-d", "a=1&b=2"]), 200);
        assert.equal(await send(scheme, ["-F", "a=1"]), 200);
        assert.deepEqual(await methodsSeen(origin), ["PATCH", "PATCH", "POST", "POST"]);
      }),
  });
}

Deno.test({
  name: "hostile form method: an explicit deny on DELETE stops a _method=DELETE POST, h1 and h2",
  ignore,
  fn: () =>
    withRack(DENY_DELETE, async ({ rack, rackTls, send }) => {
      assert.equal(await send("http", ["-d", "_method=DELETE"]), 403);
      assert.equal(await send("https", ["-F", "_method=DELETE"]), 403);
      assert.equal(await send("https", ["--http2", "-d", "_method=DELETE"]), 403);
      assert.equal(await send("https", ["--http2", "-F", "_method=DELETE"]), 403);
      assert.equal(await send("https", ["--http2", "-d", "_method=PUT"]), 200);
      assert.deepEqual([...await methodsSeen(rack), ...await methodsSeen(rackTls)], ["PUT"]);
    }),
});

Deno.test({
  name: "hostile form method: a large multipart upload passes the scan with its bytes intact",
  ignore,
  fn: () =>
    withRack(ALLOW_POST_PATCH, async ({ rack, rackTls, send, dir }) => {
      const file = join(dir, "upload.bin");
      const bytes = new Uint8Array(24 * 1024 * 1024);
      for (let at = 0; at < bytes.length; at += 65_536) {
        crypto.getRandomValues(bytes.subarray(at, at + 65_536));
      }
      await Deno.writeFile(file, bytes);
      const sha = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
        .map((b) => b.toString(16).padStart(2, "0")).join("");
      for (const [scheme, origin] of [["http", rack], ["https", rackTls]] as const) {
        assert.equal(await send(scheme, ["-F", "a=1", "-F", `file=@${file}`], "/items/big"), 200);
        const [line] = (await origin.seen()).slice(-1);
        const [method, path, , uploaded] = line!.split(" ");
        assert.deepEqual([method, path, uploaded], ["POST", "/items/big", sha], scheme);
      }
    }),
});

const encoder = new TextEncoder();
const pause = () => new Promise((resolve) => setTimeout(resolve, 30));

Deno.test({
  name: "hostile form method: a _method split across writes is read whole before the body ends",
  ignore,
  fn: () =>
    withRack(ALLOW_POST_PATCH, async ({ rack, proxy }) => {
      const send = async (pieces: string[], type: string) => {
        const length = pieces.join("").length;
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
        try {
          await conn.write(encoder.encode(
            `POST http://${HOST}/items/1 HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: ${type}\r\n` +
              `Content-Length: ${length}\r\n\r\n`,
          ));
          for (const piece of pieces) {
            await pause(); // each piece its own read at the proxy
            await conn.write(encoder.encode(piece)).catch(() => 0);
          }
          return await readStatus(conn);
        } finally {
          conn.close();
        }
      };
      const form = "application/x-www-form-urlencoded";
      assert.equal(await send(["a=1&_met", "hod=DEL", "ETE"], form), 403);
      assert.equal(await send(["a=1&%5", "Fmethod=DELETE&b=", "2"], form), 403);
      const part = '--b\r\nContent-Disposition: form-data; name="_me' +
        'thod"\r\n\r\nDEL' + "ETE\r\n--b--\r\n";
      const cut = [part.slice(0, 30), part.slice(30, 50), part.slice(50, -5), part.slice(-5)];
      assert.equal(await send(cut, "multipart/form-data; boundary=b"), 403);
      assert.deepEqual(await methodsSeen(rack), [], "Rack acted on a denied override");
      // Laravel reads a JSON body's top-level members as its form (Rack does not: refused all
      // the same, the proxy cannot tell the origin's framework).
      assert.equal(
        await send(['{"a": [1], "_met', 'hod": "DEL', 'ETE"}'], "application/json"),
        403,
      );
      assert.equal(await send(["a=1&_met", "hod=PAT", "CH"], form), 200);
      assert.deepEqual(await methodsSeen(rack), ["PATCH"]);
    }),
});

/** The status of the answer read from `conn` (0 when it closed first). */
async function readStatus(conn: Deno.Conn): Promise<number> {
  let text = "";
  const buffer = new Uint8Array(4096);
  try {
    while (text.length < 12) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
  } catch {
    // Reset after the answer: what was read is the answer.
  }
  return Number(text.slice(9, 12));
}
