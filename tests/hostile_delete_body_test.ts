/**
 * A DELETE may carry a body (GitHub's delete-a-file API, kubectl's DeleteOptions), but never
 * one an origin could read as a second request: its first line must not read as a request
 * line, and its upstream connection closes after it. Shown against an origin that IGNORES a
 * DELETE's Content-Length (and `Connection: close`) and reads on: it never parses a request
 * out of a body, and no later client gets the body's answer.
 */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { rawRequest, type TestProxy, tunnelRequest } from "./support/mod.ts";
import { HIDDEN, HOST, PATH, withLenient } from "./hostile_delete_body_fixtures.ts";

const enc = (text: string) => new TextEncoder().encode(text);
const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);

function deleteHead(target: string, extra: string): string {
  return `DELETE ${target} HTTP/1.1\r\nHost: ${HOST}\r\n${extra}\r\n`;
}

/** DELETE `body` (Content-Length, or the given framing) plain and intercepted. */
async function both(
  proxy: TestProxy,
  body: string | Uint8Array,
  options: { extra?: string; chunked?: string[]; pieces?: boolean } = {},
) {
  const bytes = typeof body === "string" ? latin1(enc(body)) : latin1(body);
  const framing = options.chunked
    ? "Transfer-Encoding: chunked\r\n"
    : `Content-Length: ${bytes.length}\r\n`;
  const payload = options.chunked
    ? options.chunked.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join("") + "0\r\n\r\n"
    : bytes;
  const extra = framing + (options.extra ?? "");
  // Split pieces: the head with the body's first byte, then the rest after a pause.
  const parts = (head: string) =>
    options.pieces ? [head + payload.slice(0, 1), payload.slice(1)] : [head + payload];
  const pauseMs = options.pieces ? 50 : undefined;
  const plainAnswer = await rawRequest(
    proxy.port,
    parts(deleteHead(`http://${HOST}${PATH}`, extra)),
    { pauseMs },
  );
  const tunnelAnswer = await tunnelRequest(
    proxy.port,
    HOST,
    proxy.caPath,
    parts(deleteHead(PATH, extra)),
    { pauseMs },
  );
  return [plainAnswer, tunnelAnswer];
}

const ATTACKS: [string, string][] = [
  ["a request line", HIDDEN],
  ["leading blank lines", `\r\n\r\n\n${HIDDEN}`],
  ["a bare CR first", `\r${HIDDEN}`],
  ["a bare CR for its line end", `GET /admin HTTP/1.1\rHost: ${HOST}\r\r`],
  ["lower case", "get /admin http/1.1\r\n\r\n"],
  ["HTTP/0.9", "GET /admin\r\n"],
  ["an absolute target", `GET http://${HOST}/admin HTTP/1.1\r\n\r\n`],
  ["tabs and spaces", " \t GET\t /admin  HTTP/1.1\r\n\r\n"],
  ["asterisk form", "OPTIONS * HTTP/1.1\r\n\r\n"],
  ["any token", "PURGE x HTTP/1.1\r\n\r\n"],
  ["no line end at all", "GET /admin HTTP/1.1"],
  ["8 KiB of blank lines first", "\r\n".repeat(4200) + HIDDEN],
  ["a line longer than 8 KiB", `GET /${"a".repeat(9000)} HTTP/1.1\r\n\r\n`],
];

Deno.test("hostile delete body: a DELETE body whose first line reads as a request line is refused (400), however framed, and reaches no origin", async () => {
  await withLenient(async (proxy, plain, secure) => {
    const refused = (label: string, answers: { status: number; body: string }[]) => {
      for (const [i, answer] of answers.entries()) {
        const where = `${label} (${i === 0 ? "plain" : "intercepted"})`;
        assert.equal(answer.status, 400, where);
        assert.match(answer.body, /must not start with an HTTP request line/, where);
      }
    };
    for (const [label, body] of ATTACKS) refused(label, await both(proxy, body));
    refused("split across pieces", await both(proxy, HIDDEN, { pieces: true }));
    refused(
      "chunked, 1-byte first chunk",
      await both(proxy, "", { chunked: ["G", HIDDEN.slice(1)] }),
    );
    const gzip = "Content-Encoding: gzip\r\n";
    refused("labelled gzip", await both(proxy, HIDDEN, { extra: gzip }));
    assert.deepEqual([...plain.seen, ...secure.seen], []);
    assert.equal(plain.connections() + secure.connections(), 0);
  });
});

Deno.test("hostile delete body: an allowed DELETE with a JSON, form or gzip body goes with Connection: close, and no later request gets the body's answer", async () => {
  await withLenient(async (proxy, plain, secure) => {
    const json = '{"message":"m","sha":"s"}';
    const bodies: [string, string | Uint8Array, Parameters<typeof both>[2]][] = [
      ["JSON", json, { extra: "Content-Type: application/json\r\n" }],
      ["JSON with a line end (Go's json.Encoder)", `${json}\n`, {}],
      ["form", "message=m&sha=s", { extra: "Content-Type: application/x-www-form-urlencoded\r\n" }],
      ["gzip JSON", gzipSync(enc(json)), { extra: "Content-Encoding: gzip\r\n" }],
      ["chunked JSON, 1-byte first chunk", "", { chunked: ["{", json.slice(1)] }],
      ["split JSON", json, { pieces: true }],
    ];
    for (const [label, body, options] of bodies) {
      for (const answer of await both(proxy, body, options)) {
        assert.equal(answer.status, 200, label);
        assert.equal(answer.body, `answered DELETE ${PATH}`, label);
      }
      // The next requests go on fresh connections: a pooled one would hold the origin's 400
      // to the body it misread, answered to whoever came next.
      const get = `GET http://${HOST}/public/a HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;
      const after = await rawRequest(proxy.port, get);
      assert.equal(after.body, "answered GET /public/a", label);
      const inside = await tunnelRequest(
        proxy.port,
        HOST,
        proxy.caPath,
        `GET /public/a HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`,
      );
      assert.equal(inside.body, "answered GET /public/a", label);
    }
    for (const origin of [plain, secure]) {
      // It did misread the bodies: a line it could not parse (then it closed), or bytes with no
      // line end, which a pooled connection would have glued to the next request's line.
      assert.ok(origin.seen.some((s) => !s.request));
      const requests = origin.seen.filter((s) => s.request);
      // Every request the origin parsed is one a client sent: a DELETE or the GET after it.
      assert.deepEqual(
        requests.map((s) => s.line),
        bodies.flatMap(() => [`DELETE ${PATH} HTTP/1.1`, "GET /public/a HTTP/1.1"]),
      );
      for (const s of requests.filter((s) => s.line.startsWith("DELETE"))) {
        assert.deepEqual(s.headers.filter(([n]) => n === "connection"), [["connection", "close"]]);
      }
    }
  });
});

Deno.test("hostile delete body: a denied CONNECT that announces a body gets the structured 403 in the clear (no tunnel); an allowed one 400", async () => {
  await withLenient(async (proxy, plain, secure) => {
    const connect = (host: string) =>
      `CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\nContent-Length: ${HIDDEN.length}\r\n\r\n${HIDDEN}`;
    const denied = await rawRequest(proxy.port, connect("denied.example.com"));
    assert.equal(denied.status, 403); // before: 400 A CONNECT request must not carry a body
    assert.equal(JSON.parse(denied.body).error, "policy_denied");
    const allowed = await rawRequest(proxy.port, connect(HOST));
    assert.equal(allowed.status, 400);
    assert.match(allowed.body, /A CONNECT request must not carry a body/);
    assert.equal(plain.connections() + secure.connections(), 0);
  });
});
