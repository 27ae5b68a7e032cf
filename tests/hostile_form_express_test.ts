/**
 * A `_method` in a POST body read as Express reads it (body-parser, qs, method-override with
 * its documented `req.body._method` getter).
 *
 * An array: qs reads `_method[]=DELETE` and `_method[0]=DELETE` as `["DELETE"]`, body-parser a
 * JSON `{"_method": ["DELETE"]}` as one, and method-override runs the POST as its first
 * element. The proxy read only `_method` itself (Rack reads `_method[]` as an array it ignores),
 * so a POST grant ran as DELETE; those names and a top-level `_method` array are now decided.
 *
 * A `_method` in a POST body the origin decodes by its `charset` before reading it: Express's
 * body-parser decodes a JSON body as UTF-16 when the `Content-Type` says so, and
 * method-override then runs the request as the `_method` it holds. The proxy read the bytes as
 * sent (`_\0m\0e\0...`), found no `_method`, and a POST grant ran as DELETE; such a body is now
 * refused 400 (a form or JSON body in a charset other than UTF-8, ASCII or an 8-bit set).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import zlib from "node:zlib";
import { type BodyParserOrigin, startBodyParserOrigin } from "./body_parser_origin.ts";
import { ITEMS_HOST, itemsPolicy, withOrigins, type WithOriginsOptions } from "./support/mod.ts";

const HOST = ITEMS_HOST;
const POLICY = itemsPolicy([
  '{ method: POST, path: "/items/**" }',
  '{ method: PATCH, path: "/items/**" }',
]);

interface World {
  origins: BodyParserOrigin[];
  post(
    scheme: "http" | "https",
    type: string,
    body: Uint8Array,
    h2?: boolean,
    coding?: string,
  ): Promise<number>;
  /** The body of the last answer. */
  said(): string;
}

/** The body-parser origin over HTTP (port 80) and HTTPS (port 443, h2 too) as `HOST`. */
const SETUP: WithOriginsOptions<{ plain: BodyParserOrigin; tls: BodyParserOrigin }> = {
  policy: POLICY,
  prefix: "tollgate-charset-",
  start: async (_dir, upstreams) => {
    const leaf = await upstreams.mintLeaf([HOST]);
    const plain = startBodyParserOrigin();
    return { plain, tls: startBodyParserOrigin({ cert: leaf.chainPem, key: leaf.keyPem }) };
  },
  routes: ({ plain, tls }) => [[HOST, 80, plain], [HOST, 443, tls]],
};

function withOrigin(run: (world: World) => Promise<void>): Promise<void> {
  return withOrigins(SETUP, ({ origins, dir, curl }) => {
    let said = "";
    const post = async (
      scheme: "http" | "https",
      type: string,
      body: Uint8Array,
      h2 = false,
      coding?: string,
    ) => {
      const file = join(dir, `${crypto.randomUUID()}.body`);
      await Deno.writeFile(file, body);
      const args = ["-H", `Content-Type: ${type}`, "--data-binary", `@${file}`];
      if (coding !== undefined) args.push("-H", `Content-Encoding: ${coding}`);
      if (h2) args.push("--http2");
      const result = await curl(`${scheme}://${HOST}/items/1`, args);
      said = result.body;
      return result.status;
    };
    return run({ origins: [origins.plain, origins.tls], post, said: () => said });
  });
}

/** `text` as UTF-16, little endian, with a byte order mark when `bom`. */
function utf16(text: string, bom: boolean): Uint8Array {
  const bytes = new Uint8Array((text.length + (bom ? 1 : 0)) * 2);
  const view = new DataView(bytes.buffer);
  if (bom) view.setUint16(0, 0xfeff, true);
  for (let at = 0; at < text.length; at++) {
    view.setUint16((at + (bom ? 1 : 0)) * 2, text.charCodeAt(at), true);
  }
  return bytes;
}

const DELETE = '{"_method": "DELETE"}';
const utf8 = (text: string) => new TextEncoder().encode(text);

Deno.test("hostile form express: a _method array never runs on an Express origin", () =>
  withOrigin(async ({ origins, post }) => {
    const form = "application/x-www-form-urlencoded";
    assert.equal(await post("http", form, utf8("a=1&_method[]=DELETE")), 403, "[]");
    assert.equal(await post("https", form, utf8("_method%5B0%5D=DELETE"), true), 403, "[0]");
    assert.equal(await post("http", "application/json", utf8('{"_method": ["DELETE"]}')), 403);
    assert.deepEqual(origins.flatMap((o) => o.seen), [], "the origin ran a denied override");
    assert.equal(await post("http", form, utf8("_method[]=patch&a[]=1")), 200);
    assert.equal(await post("https", "application/json", utf8('{"_method": ["PATCH"]}')), 200);
    assert.equal(await post("http", form, utf8("_method[a]=DELETE")), 200, "an object");
    assert.deepEqual(origins.flatMap((o) => o.seen), ["PATCH", "POST", "PATCH"]);
  }));

Deno.test("hostile form charset: a UTF-16 JSON _method never runs on a body-parser origin", () =>
  withOrigin(async ({ origins, post, said }) => {
    const json = (charset: string) => `application/json; charset=${charset}`;
    assert.equal(await post("http", json("utf-16le"), utf16(DELETE, false)), 400, "utf-16le");
    assert.equal(await post("https", json('"UTF-16"'), utf16(DELETE, true)), 400, "utf-16 BOM");
    assert.equal(await post("https", json("utf-16le"), utf16(DELETE, false), true), 400, "h2");
    assert.deepEqual(origins.flatMap((o) => o.seen), [], "the origin ran a denied override");
    assert.match(JSON.parse(said()).detail, /charset "utf-16le" is not read: send it as UTF-8/);
    // UTF-8, as JSON is sent, is read: what the policy allows passes, DELETE is denied.
    assert.equal(await post("http", json("utf-8"), utf8(DELETE)), 403);
    assert.equal(await post("http", json('"UTF-8"'), utf8('{"_method": "patch"}')), 200);
    assert.equal(await post("https", "application/json", utf8('{"a": 1}'), true), 200);
    const form = "application/x-www-form-urlencoded; charset=utf-8";
    assert.equal(await post("http", form, utf8("a=1&_method=PATCH")), 200);
    assert.deepEqual(origins.flatMap((o) => o.seen), ["PATCH", "PATCH", "POST"]);
  }));

Deno.test("hostile form compressed: a gzip, deflate or br _method never runs on a body-parser origin", () =>
  withOrigin(async ({ origins, post, said }) => {
    const form = "application/x-www-form-urlencoded";
    const json = "application/json";
    const bodies = [zlib.gzipSync(utf8("a=1&_method=DELETE")), zlib.deflateSync(utf8(DELETE))];
    assert.equal(await post("http", form, bodies[0]!, false, "gzip"), 403, "gzip form");
    assert.equal(await post("https", json, bodies[1]!, false, "deflate"), 403, "deflate JSON");
    assert.equal(await post("https", json, zlib.brotliCompressSync(utf8(DELETE)), true, "br"), 403);
    // Two gzip members: the method is in the second.
    const two = new Uint8Array([
      ...zlib.gzipSync(utf8("a=1&")),
      ...zlib.gzipSync(utf8("_method=DELETE")),
    ]);
    assert.equal(await post("http", form, two, false, "GZIP"), 403, "two members");
    assert.deepEqual(origins.flatMap((o) => o.seen), [], "the origin ran a denied override");
    // Codings no reading of which is safe, and a body inflating past the bound, are refused.
    assert.equal(await post("http", json, bodies[0]!, false, "gzip, gzip"), 400);
    assert.match(JSON.parse(said()).detail, /Content-Encoding "gzip, gzip" is not read/);
    const bomb = zlib.gzipSync(new Uint8Array(64 * 1024 * 1024));
    assert.equal(await post("http", json, bomb, false, "gzip"), 400);
    assert.match(JSON.parse(said()).detail, /inflates past 8 MiB/);
    // What the policy allows passes, inflated by the origin as sent.
    assert.equal(
      await post("https", form, zlib.gzipSync(utf8("_method=patch")), true, "gzip"),
      200,
    );
    assert.equal(await post("http", json, zlib.gzipSync(utf8('{"a": 1}')), false, "gzip"), 200);
    assert.deepEqual(origins.flatMap((o) => o.seen), ["POST", "PATCH"]); // plain, then TLS
  }));

Deno.test("hostile form compressed: a small body that inflates hugely is refused, not inflated to 8 MiB", () =>
  withOrigin(async ({ origins, post, said }) => {
    const form = "application/x-www-form-urlencoded";
    // 14 bytes of br inflating to 8 MiB: before, the proxy inflated and scanned all of it on
    // its event loop (every other client waited behind it), then sent it on.
    const bomb = zlib.brotliCompressSync(new Uint8Array(8 * 1024 * 1024 - 64).fill(0x61));
    assert.ok(bomb.byteLength < 64);
    assert.equal(await post("http", form, bomb, false, "br"), 400);
    assert.match(JSON.parse(said()).detail, /inflates past 256 times its size/);
    // 53 bytes with a 16 MiB window: the decoder fills the window before any bound applies.
    const lgwin = { [zlib.constants.BROTLI_PARAM_LGWIN]: 24 };
    const wide = zlib.brotliCompressSync(new Uint8Array(64 << 20), { params: lgwin });
    assert.equal(await post("https", form, wide, false, "br"), 400, "16 MiB window");
    assert.match(JSON.parse(said()).detail, /window over 4 MiB is not read/);
    const gzipBomb = zlib.gzipSync(new Uint8Array(4 * 1024 * 1024).fill(0x61));
    assert.equal(await post("https", "application/json", gzipBomb, true, "gzip"), 400, "gzip");
    assert.deepEqual(origins.flatMap((o) => o.seen), []);
    // A real form past the floor (64 KiB) inflates a few times its size: read and passed.
    const fields = Array.from({ length: 3000 }, (_, i) => `f${i}=${crypto.randomUUID()}`);
    const real = zlib.gzipSync(utf8(fields.join("&") + "&_method=PATCH"));
    assert.equal(await post("http", form, real, false, "gzip"), 200);
    assert.deepEqual(origins.flatMap((o) => o.seen), ["PATCH"]);
  }));
