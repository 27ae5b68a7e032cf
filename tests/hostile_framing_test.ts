/**
 * Issue #12 items 6-8 and issue #14 items 1-5, over raw sockets: bodies smuggled on methods
 * that define none, deny rules dodged by letter case or a method-override header, and paths
 * or queries that the policy and the origin would read differently. Nothing refused here may
 * reach the upstream.
 */
import assert from "node:assert/strict";
import {
  AS_CURL,
  openPolicy,
  rawRequest,
  type TestProxy,
  type TestUpstreams,
  tunnelRequest,
  withTestProxy,
} from "./support/mod.ts";

const DENIES = [
  '{ method: POST, path: "/admin/**" }',
  '{ method: DELETE, path: "/**" }',
  '{ method: GET, path: "/private/**" }',
];
const POLICY = openPolicy(
  DENIES,
  `  scoped:
    endpoints:
      - host: scoped.example.com
        port: 80
        protocol: rest
        rules:
          - allow: { method: GET, path: "/public/**" }
          - allow: { method: GET, path: "/users/@alice" }
          - allow: { method: POST, path: "/public/**" }
      - host: slugs.example.com
        port: 80
        protocol: rest
        allow_encoded_slash: true
        rules: [{ allow: { method: GET, path: "/public/**" } }]
    binaries: [{ path: /usr/bin/curl }]
`,
);

function withProxy(run: (proxy: TestProxy, upstreams: TestUpstreams) => Promise<void>) {
  const httpHosts = ["plain.example.com", "scoped.example.com", "slugs.example.com"];
  // Every raw client here is "curl": these tests are about framing and paths, not identity.
  return withTestProxy({ policy: POLICY, identity: AS_CURL, httpHosts }, run);
}

function request(method: string, target: string, host: string, extra = "", body = ""): string {
  return `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n${body}`;
}

// The origin's answer to HEAD announces a length but carries no body: complete at its head.
// The proxy's own refusals carry their JSON body whatever the method.
function headOnly(raw: string): boolean {
  const end = raw.indexOf("\r\n\r\n");
  if (end === -1) return false;
  if (raw.startsWith("HTTP/1.1 200")) return true;
  const length = /\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, end));
  return length !== null && raw.length >= end + 4 + Number(length[1]);
}

/** Send over plain forward (absolute-form) and assert status and error code. */
async function plain(
  proxy: TestProxy,
  [method, path, extra, body]: [string, string, string?, string?],
  host = "plain.example.com",
): Promise<{ status: number; error?: string }> {
  const response = await rawRequest(
    proxy.port,
    request(method, `http://${host}${path}`, host, extra, body),
    { until: method === "HEAD" ? headOnly : undefined },
  );
  const error = response.status >= 400 ? JSON.parse(response.body).error : undefined;
  return { status: response.status, error };
}

/** Send inside an intercepted CONNECT tunnel to api.github.com. */
async function tunnelled(
  proxy: TestProxy,
  [method, path, extra, body]: [string, string, string?, string?],
): Promise<{ status: number; error?: string }> {
  const host = "api.github.com";
  const response = await tunnelRequest(
    proxy.port,
    host,
    proxy.caPath,
    request(method, path, host, extra, body),
  );
  const error = response.status >= 400 ? JSON.parse(response.body).error : undefined;
  return { status: response.status, error };
}

const BODYLESS = ["GET", "HEAD", "OPTIONS", "TRACE"];
const SMUGGLED = "GET /admin HTTP/1.1\r\nHost: plain.example.com\r\n\r\n";

Deno.test("hostile #6: an allowed GET/HEAD/OPTIONS/TRACE with a body is refused (400) and never reaches upstream", async () => {
  await withProxy(async (proxy, upstreams) => {
    for (const method of BODYLESS) {
      const sized = `Content-Length: ${SMUGGLED.length}\r\n`;
      const chunked = "Transfer-Encoding: chunked\r\n";
      const chunkedBody = `${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`;
      for (
        const [name, extra, body] of [["length", sized, SMUGGLED], [
          "chunked",
          chunked,
          chunkedBody,
        ]]
      ) {
        const label = `${method} with a ${name} body`;
        assert.deepEqual(
          await plain(proxy, [method, "/public/x", extra, body]),
          { status: 400, error: "bad_request" },
          `plain ${label}`,
        );
        assert.deepEqual(
          await tunnelled(proxy, [method, "/public/x", extra, body]),
          { status: 400, error: "bad_request" },
          `tunnel ${label}`,
        );
      }
      // Lower-case spelling of the same method: decide() compares methods case-insensitively.
      assert.equal(
        (await plain(proxy, [method.toLowerCase(), "/public/x", `Content-Length: 2\r\n`, "ab"]))
          .status,
        400,
      );
    }
    const connect = "CONNECT api.github.com:443 HTTP/1.1\r\nHost: api.github.com:443\r\n" +
      `Content-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`;
    const refused = await rawRequest(proxy.port, connect);
    assert.equal(refused.status, 400, "CONNECT with a body");
    assert.equal(upstreams.connections(), 0);
    assert.equal(upstreams.bytesReceived(), 0);
    // An explicit empty body is not a body.
    assert.equal((await plain(proxy, ["GET", "/public/x", "Content-Length: 0\r\n"])).status, 200);
    assert.equal(
      (await tunnelled(proxy, ["GET", "/public/x", "Content-Length: 0\r\n"])).status,
      200,
    );
  });
});

Deno.test("hostile #7: a deny rule matches the path case-insensitively (allow stays exact)", async () => {
  await withProxy(async (proxy, upstreams) => {
    for (const path of ["/Admin/x", "/ADMIN/keys", "/aDmIn/x/y", "/%41dmin/x"]) {
      const denied = { status: 403, error: "policy_denied" };
      assert.deepEqual(await plain(proxy, ["POST", path, "Content-Length: 0\r\n"]), denied, path);
      assert.deepEqual(
        await tunnelled(proxy, ["POST", path, "Content-Length: 0\r\n"]),
        denied,
        path,
      );
    }
    // Allow stays exact: /Public is not /public.
    const scoped = await plain(proxy, ["GET", "/Public/x"], "scoped.example.com");
    assert.deepEqual(scoped, { status: 403, error: "policy_denied" });
    assert.equal(upstreams.requests.length, 0);
  });
});

Deno.test("hostile #8: X-HTTP-Method-Override cannot turn a POST into a denied or unlisted method", async () => {
  await withProxy(async (proxy, upstreams) => {
    const denied = { status: 403, error: "policy_denied" };
    for (const header of ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"]) {
      const extra = `${header}: DELETE\r\nContent-Length: 0\r\n`;
      assert.deepEqual(await plain(proxy, ["POST", "/public/x", extra]), denied, header);
      assert.deepEqual(await tunnelled(proxy, ["POST", "/public/x", extra]), denied, header);
      // scoped allows GET and POST on /public/**, but no DELETE at all.
      const unlisted = await plain(proxy, ["POST", "/public/x", extra], "scoped.example.com");
      assert.deepEqual(unlisted, denied, `${header} to an unlisted method`);
      // Lower-case value, and a GET override onto a GET-denied path.
      const lower = `${header}: delete\r\nContent-Length: 0\r\n`;
      assert.deepEqual(await plain(proxy, ["POST", "/public/x", lower]), denied, header);
      const get = `${header}: GET\r\nContent-Length: 0\r\n`;
      assert.deepEqual(await plain(proxy, ["POST", "/private/x", get]), denied, header);
    }
    // The query spelling of the same trick (Express method-override, Laravel).
    const viaQuery = await plain(proxy, [
      "POST",
      "/public/x?_method=DELETE",
      "Content-Length: 0\r\n",
    ]);
    assert.deepEqual(viaQuery, denied, "?_method=DELETE");
    // A value that is not one method token is refused outright.
    const list = "X-HTTP-Method-Override: GET, DELETE\r\nContent-Length: 0\r\n";
    assert.deepEqual(await plain(proxy, ["POST", "/public/x", list]), {
      status: 400,
      error: "bad_request",
    });
    assert.equal(upstreams.requests.length, 0);
    // An override to a method the policy allows goes through, header and all.
    const ok = "X-HTTP-Method-Override: GET\r\nContent-Length: 0\r\n";
    assert.equal((await plain(proxy, ["POST", "/public/x", ok], "scoped.example.com")).status, 200);
    assert.equal(upstreams.header(upstreams.requests[0]!, "x-http-method-override"), "GET");
  });
});

Deno.test("hostile #14.1-2: dot-segments behind an encoded slash or a path parameter never reach upstream", async () => {
  await withProxy(async (proxy, upstreams) => {
    for (const path of ["/public/..%2fsecret", "/public/..%2f..%2fsecret", "/public/.%2fsecret"]) {
      const response = await plain(proxy, ["GET", path], "slugs.example.com");
      assert.deepEqual(response, { status: 400, error: "bad_request" }, path);
    }
    for (const path of ["/public/..%3B/secret", "/public/..%3b/secret", "/public/..;x/secret"]) {
      const response = await plain(proxy, ["GET", path], "scoped.example.com");
      assert.deepEqual(response, { status: 403, error: "policy_denied" }, path);
    }
    assert.equal(upstreams.connections(), 0);
    // A real encoded-slash slug still goes through, unchanged.
    const slug = await plain(proxy, ["GET", "/public/group%2fproject"], "slugs.example.com");
    assert.equal(slug.status, 200);
    assert.equal(upstreams.requests[0]!.target, "/public/group%2Fproject");
  });
});

Deno.test("hostile #14.3: HEAD is denied where GET is denied and allowed where GET is allowed", async () => {
  await withProxy(async (proxy, upstreams) => {
    const denied = { status: 403, error: "policy_denied" };
    assert.deepEqual(await plain(proxy, ["HEAD", "/private/x"]), denied);
    assert.deepEqual(await tunnelled(proxy, ["HEAD", "/private/x"]), denied);
    assert.equal(upstreams.requests.length, 0);
    assert.equal((await plain(proxy, ["HEAD", "/public/x"], "scoped.example.com")).status, 200);
    assert.deepEqual(upstreams.requests.map((r) => `${r.method} ${r.target}`), ["HEAD /public/x"]);
  });
});

Deno.test("hostile #14.4-5: a malformed query escape is refused; %40 matches @", async () => {
  await withProxy(async (proxy, upstreams) => {
    for (const target of ["/public/x?slug=bad%2", "/public/x?a=%zz", "/public/x?%C3=1"]) {
      const bad = { status: 400, error: "bad_request" };
      assert.deepEqual(await plain(proxy, ["GET", target]), bad, target);
      assert.deepEqual(await tunnelled(proxy, ["GET", target]), bad, target);
    }
    assert.equal(upstreams.connections(), 0);
    const at = await plain(proxy, ["GET", "/users/%40alice"], "scoped.example.com");
    assert.equal(at.status, 200);
    assert.equal(upstreams.requests[0]!.target, "/users/@alice");
  });
});
