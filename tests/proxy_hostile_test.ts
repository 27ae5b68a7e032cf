/**
 * A hostile corpus against the proxy, over raw sockets: path tricks, request smuggling,
 * malformed and oversized heads, slow clients. None of it may reach upstream.
 */
import assert from "node:assert/strict";
import {
  exchangeOn,
  rawRequest,
  startTestProxy,
  startTestUpstreams,
  type TestProxy,
  type TestProxyOptions,
  type TestUpstreams,
  tunnelRequest,
  withTestProxy,
} from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  plain:
    endpoints:
      - host: plain.example.com
        port: 80
        protocol: rest
        rules: [{ allow: { method: "*", path: "/public/**" } }]
    binaries: [{ path: /usr/bin/curl }]
  gh:
    endpoints:
      - host: api.github.com
        port: 443
        protocol: rest
        rules: [{ allow: { method: "*", path: "/public/**" } }]
    binaries: [{ path: /usr/bin/curl }]
`;
// Every raw client here is "curl": the corpus tests parsing, not identity.
const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };

function withProxy(
  run: (proxy: TestProxy, upstreams: TestUpstreams) => Promise<void>,
  limits: Pick<TestProxyOptions, "headTimeoutMs" | "idleTimeoutMs" | "maxConnections"> = {},
) {
  return withTestProxy({ policy: POLICY, identity, ...limits }, run);
}

const H = "Host: plain.example.com\r\n";
const get = (target: string, extra = "") => `GET ${target} HTTP/1.1\r\n${H}${extra}\r\n`;
const url = (path: string) => `http://plain.example.com${path}`;

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

Deno.test("proxy hostile corpus: slow heads time out with 408", async () => {
  await withProxy(async (proxy, upstreams) => {
    const response = await rawRequest(proxy.port, [`GET ${url("/public/x")} HTTP/1.1\r\n`]);
    assert.equal(response.status, 408);
    assert.equal(JSON.parse(response.body).error, "request_timeout");
    assert.equal(upstreams.connections(), 0);
  }, { headTimeoutMs: 400 });
});

Deno.test("proxy hostile corpus: bodies that stop halfway time out with 408", async () => {
  await withProxy(
    async (proxy, upstreams) => {
      const post = `POST ${url("/public/x")} HTTP/1.1\r\n${H}`;
      const chunked = await rawRequest(proxy.port, [
        `${post}Transfer-Encoding: chunked\r\n\r\n5\r\nab`,
      ]);
      assert.equal(chunked.status, 408);
      assert.equal(JSON.parse(chunked.body).error, "request_timeout");
      // A chunked body is checked whole before anything goes upstream.
      assert.equal(upstreams.connections(), 0);
      const sized = await rawRequest(proxy.port, [`${post}Content-Length: 10\r\n\r\nabc`]);
      assert.equal(sized.status, 408);
      assert.equal(JSON.parse(sized.body).error, "request_timeout");
      assert.equal(upstreams.requests.length, 0, "no complete request reached upstream");
    },
    { idleTimeoutMs: 400 },
  );
});

Deno.test("proxy hostile corpus: a policy.local body must arrive whole within its deadline", async () => {
  const upstreams = await startTestUpstreams();
  const seen: string[] = [];
  const proxy = await startTestProxy({
    policy: POLICY,
    upstreams,
    identity,
    policyLocalBodyTimeoutMs: 300,
    policyLocal: async (request) => {
      seen.push(await request.text());
      return Response.json({ ok: true });
    },
  });
  try {
    // One byte every 100 ms: never idle for long, but never done within 300 ms either.
    const head = "POST http://policy.local/v1/proposals HTTP/1.1\r\nHost: policy.local\r\n" +
      "Content-Length: 10\r\n\r\n";
    const trickle = await rawRequest(proxy.port, [head, ..."abcdefghij"], { pauseMs: 100 });
    assert.equal(trickle.status, 408);
    assert.equal(JSON.parse(trickle.body).error, "request_timeout");
    const whole = await rawRequest(proxy.port, [`${head}abcdefghij`]);
    assert.equal(whole.status, 200);
    assert.deepEqual(seen, ["abcdefghij"]);
  } finally {
    await proxy.close();
    await upstreams.close();
  }
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

Deno.test("proxy hostile corpus: connections beyond the limit are answered 503 and closed", async () => {
  await withProxy(async (proxy, upstreams) => {
    const held = await Promise.all(
      [0, 1].map(() => Deno.connect({ hostname: "127.0.0.1", port: proxy.port })),
    );
    try {
      const refused = await rawRequest(proxy.port, get(url("/public/x")));
      assert.equal(refused.status, 503);
      assert.equal(JSON.parse(refused.body).error, "too_many_connections");
      assert.match(refused.head, /\r\nConnection: close/i);
      assert.equal(upstreams.requests.length, 0);
      // A held connection is still served.
      const served = await exchangeOn(held[0]!, get(url("/public/x")));
      assert.equal(served.status, 200);
      // exchangeOn closed it: once the proxy has seen that, a new client is admitted.
      let again = await rawRequest(proxy.port, get(url("/public/x")));
      for (let i = 0; i < 50 && again.status === 503; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        again = await rawRequest(proxy.port, get(url("/public/x")));
      }
      assert.equal(again.status, 200);
    } finally {
      for (const conn of held.slice(1)) conn.close();
    }
  }, { maxConnections: 2 });
});
