/**
 * A hostile corpus against the proxy, over raw sockets: path tricks, request smuggling,
 * malformed and oversized heads, in plain HTTP and inside a TLS tunnel. None of it may reach
 * upstream.
 */
import assert from "node:assert/strict";
import { rawRequest, tunnelRequest } from "./support/mod.ts";
import { get, H, url, withProxy } from "./proxy_hostile_fixtures.ts";

// [name, request, expected status, expected error code]
const PLAIN_CORPUS: [string, string, number, string][] = [
  ["dot-dot escapes the allowed prefix", get(url("/public/../admin")), 403, "policy_denied"],
  ["encoded dot-dot", get(url("/public/%2e%2e/admin")), 403, "policy_denied"],
  ["encoded slash", get(url("/public/..%2Fadmin")), 400, "bad_request"],
  ["double slash and dot-dot", get(url("/public//..//admin")), 403, "policy_denied"],
  ["matrix parameters hide dot-dot", get(url("/public;x=1/../admin")), 403, "policy_denied"],
  ["backslash", get(url("/public\\..\\admin")), 400, "bad_request"],
  ["fragment", get(url("/public/x#frag")), 400, "bad_request"],
  ["dot-dot above the root", get(url("/../../etc/passwd")), 400, "bad_request"],
  ["credentials in the URL", get("http://user:pw@plain.example.com/public/x"), 400, "bad_request"],
  ["https absolute-form", get("https://plain.example.com/public/x"), 400, "bad_request"],
  ["origin-form to the proxy", get("/public/x"), 400, "bad_request"],
  ["another scheme", get("ftp://plain.example.com/public/x"), 400, "bad_request"],
  [
    "Content-Length with Transfer-Encoding",
    `POST ${
      url("/public/x")
    } HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    400,
    "bad_request",
  ],
  [
    "duplicate Content-Length",
    `POST ${url("/public/x")} HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 1\r\n\r\nab`,
    400,
    "bad_request",
  ],
  [
    "Transfer-Encoding other than chunked",
    `POST ${
      url("/public/x")
    } HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`,
    400,
    "bad_request",
  ],
  [
    "invalid chunk size",
    `POST ${
      url("/public/x")
    } HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
    400,
    "bad_request",
  ],
  [
    "chunk longer than declared",
    `POST ${
      url("/public/x")
    } HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n0\r\n\r\n`,
    400,
    "bad_request",
  ],
  ["obs-fold", get(url("/public/x"), "X-A: a\r\n b\r\n"), 400, "bad_request"],
  ["bare LF", `GET ${url("/public/x")} HTTP/1.1\n${H}\n`, 400, "bad_request"],
  ["space before colon", get(url("/public/x"), "X-A : b\r\n"), 400, "bad_request"],
  [
    "oversized head",
    get(url("/public/x"), `X-Big: ${"a".repeat(9000)}\r\n`),
    431,
    "request_header_fields_too_large",
  ],
  ["HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "http_version_not_supported"],
  ["two Host headers", get(url("/public/x"), "Host: evil.example.com\r\n"), 400, "bad_request"],
];

Deno.test("proxy hostile corpus (plain HTTP): refused before any byte reaches upstream", async () => {
  await withProxy(async (proxy, upstreams) => {
    for (const [name, request, status, code] of PLAIN_CORPUS) {
      const response = await rawRequest(proxy.port, request);
      assert.equal(response.status, status, `${name}: ${response.head}`);
      assert.equal(JSON.parse(response.body).error, code, name);
      assert.match(response.head, /\r\nConnection: close/i, name);
    }
    assert.equal(upstreams.connections(), 0);
    assert.equal(upstreams.bytesReceived(), 0);
  });
});

Deno.test("proxy hostile corpus: a request hidden in a body stays a body", async () => {
  await withProxy(async (proxy, upstreams) => {
    const hidden = `GET /admin HTTP/1.1\r\nHost: plain.example.com\r\n\r\n`;
    const response = await rawRequest(proxy.port, [
      `POST ${url("/public/x")} HTTP/1.1\r\n${H}Content-Length: ${hidden.length}\r\n\r\n${hidden}`,
      get(url("/admin")),
    ], { timeoutMs: 5000, until: (raw) => raw.includes("HTTP/1.1 403") }); // both answers
    assert.equal(response.status, 200);
    // The pipelined GET /admin was decided on its own and denied.
    assert.match(response.raw, /HTTP\/1\.1 403 Forbidden/);
    assert.deepEqual(upstreams.requests.map((r) => `${r.method} ${r.target}`), ["POST /public/x"]);
    assert.equal(upstreams.requests[0]!.body, hidden);
  });
});

Deno.test("proxy hostile corpus: chunked bodies are checked whole, then sent with a length", async () => {
  await withProxy(async (proxy, upstreams) => {
    const response = await rawRequest(proxy.port, [
      `POST ${url("/public/x")} HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n`,
      "2\r\nde\r\n0\r\n\r\n",
    ], { pauseMs: 50 });
    assert.equal(response.status, 200);
    assert.equal(upstreams.header(upstreams.requests[0]!, "content-length"), "5");
    assert.equal(upstreams.header(upstreams.requests[0]!, "transfer-encoding"), undefined);
    assert.equal(upstreams.requests[0]!.body, "abcde");
  });
});

Deno.test("proxy hostile corpus (inside a TLS tunnel): refused before upstream", async () => {
  await withProxy(async (proxy, upstreams) => {
    const host = "Host: api.github.com\r\n";
    const corpus: [string, string, number][] = [
      ["Host names another site", "GET /public/x HTTP/1.1\r\nHost: evil.example.com\r\n\r\n", 421],
      ["absolute-form", `GET https://evil.example.com/public/x HTTP/1.1\r\n${host}\r\n`, 400],
      ["dot-dot", `GET /public/../admin HTTP/1.1\r\n${host}\r\n`, 403],
      [
        "Content-Length with Transfer-Encoding",
        `POST /public/x HTTP/1.1\r\n${host}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
        400,
      ],
      ["bare LF", `GET /public/x HTTP/1.1\n${host}\n`, 400],
      ["oversized head", `GET /public/x HTTP/1.1\r\n${host}X: ${"a".repeat(9000)}\r\n\r\n`, 431],
    ];
    for (const [name, request, status] of corpus) {
      const response = await tunnelRequest(proxy.port, "api.github.com", proxy.caPath, request);
      assert.equal(response.status, status, `${name}: ${response.head}`);
    }
    assert.equal(upstreams.connections(), 0);
  });
});
