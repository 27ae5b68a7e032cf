/**
 * End to end: real curl through the proxy to local HTTP and HTTPS upstreams, one verdict per
 * policy feature (L4, L7 presets and rules, deny rules, query matchers, audit, binaries,
 * identity), with the exact structured 403.
 */
import assert from "node:assert/strict";
import { AGENT_GUIDANCE } from "../proxy/policy_local/mod.ts";
import {
  curl,
  expectedNextSteps,
  TEST_SKILL_PATH,
  type TestProxy,
  type TestUpstreams,
  tunnelRequest,
  withTestProxy,
  type WithTestProxyOptions,
} from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  gh_ro:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
  issues:
    endpoints:
      - host: example.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: POST, path: "/repos/*/issues" }
          - allow: { method: GET, path: "/search/**", query: { q: "repo:*" } }
        deny_rules:
          - { method: POST, path: /repos/secret/issues }
    binaries: [{ path: /usr/bin/curl }]
  plain_audit:
    endpoints:
      - { host: plain.example.com, port: 80, protocol: rest, access: read-only, enforcement: audit }
    binaries: [{ path: /usr/bin/curl }]
  tunnel:
    endpoints: [{ host: l4.example.com, port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
  wget_only:
    endpoints: [{ host: wget.example.com, port: 443 }]
    binaries: [{ path: "/usr/bin/wget" }]
`;
const HTTPS_HOSTS = ["api.github.com", "example.com", "l4.example.com", "wget.example.com"];

function withProxy(
  run: (proxy: TestProxy, upstreams: TestUpstreams) => Promise<void>,
  options: Partial<WithTestProxyOptions> = {},
): Promise<void> {
  const hosts = { httpsHosts: HTTPS_HOSTS, upstreamHosts: HTTPS_HOSTS };
  return withTestProxy({ policy: POLICY, ...hosts, ...options }, run);
}

const messages = (proxy: TestProxy) => proxy.events.map((e) => String(e.message));

Deno.test("proxy L7 preset: allowed reads reach upstream, a PUT gets the exact structured 403", async () => {
  await withProxy(async (proxy, upstreams) => {
    const options = { proxyPort: proxy.port, caPath: proxy.caPath };
    const read = await curl(["https://api.github.com/repos/o/r?per_page=1"], options);
    assert.equal(read.exitCode, 0, read.stderr);
    assert.equal(read.status, 200);
    assert.equal(JSON.parse(read.body).target, "/repos/o/r?per_page=1");

    const write = await curl(["https://api.github.com/repos/o/r/contents/x.md?token=s3cret"], {
      ...options,
      args: ["-X", "PUT", "-d", "{}"],
    });
    assert.equal(write.status, 403);
    assert.equal(write.headers["content-type"], "application/json");
    assert.equal(write.headers["x-tollgate-policy"], "gh_ro");
    assert.equal(write.headers["connection"], "close");
    assert.ok(!write.body.includes("s3cret"), "the query never reaches the deny body");
    const path = "/repos/o/r/contents/x.md";
    assert.deepEqual(JSON.parse(write.body), {
      error: "policy_denied",
      policy: "gh_ro",
      rule: `PUT ${path}`,
      detail: `PUT ${path} not permitted by policy`,
      layer: "l7",
      protocol: "rest",
      method: "PUT",
      path,
      host: "api.github.com",
      port: 443,
      binary: "/usr/bin/curl",
      rule_missing: {
        type: "rest_allow",
        layer: "l7",
        method: "PUT",
        path,
        host: "api.github.com",
        port: 443,
        binary: "/usr/bin/curl",
      },
      next_steps: expectedNextSteps(TEST_SKILL_PATH),
      agent_guidance: AGENT_GUIDANCE,
      message: `Tollgate policy denied PUT ${path} for /usr/bin/curl: PUT ${path} not permitted ` +
        "by policy; read http://policy.local/v1/skill to propose a rule",
    });
    assert.deepEqual(upstreams.requests.map((r) => r.method), ["GET"]);
    assert.deepEqual(messages(proxy).slice(1), [
      "ALLOWED CONNECT api.github.com:443",
      "ALLOWED GET api.github.com:443/repos/o/r",
      "ALLOWED CONNECT api.github.com:443",
      `DENIED PUT api.github.com:443${path}`,
    ]);
  });
});

Deno.test("proxy L7 rules: method+path allows, deny rules win, query matchers decide", async () => {
  await withProxy(async (proxy, upstreams) => {
    const options = { proxyPort: proxy.port, caPath: proxy.caPath };
    const post = (path: string) =>
      curl([`https://example.com${path}`], { ...options, args: ["-d", "x"] });
    const get = (path: string) => curl([`https://example.com${path}`], options);
    assert.equal((await post("/repos/o/issues")).status, 200);
    const denied = await post("/repos/secret/issues");
    assert.equal(denied.status, 403);
    assert.equal(JSON.parse(denied.body).rule, "POST /repos/secret/issues");
    assert.equal((await get("/search/code?q=repo:o/r")).status, 200);
    assert.equal((await get("/search/code?q=user:someone")).status, 403);
    assert.equal((await get("/search/code")).status, 403);
    assert.equal((await get("/repos/o/issues")).status, 403, "GET is not in the rules");
    assert.deepEqual(upstreams.requests.map((r) => `${r.method} ${r.target}`), [
      "POST /repos/o/issues",
      "GET /search/code?q=repo:o/r",
    ]);
    assert.equal(upstreams.requests[0]!.body, "x");
  });
});

Deno.test("proxy audit endpoint: plain HTTP would-be denials are forwarded and logged", async () => {
  await withProxy(async (proxy, upstreams) => {
    const result = await curl(["http://plain.example.com/items/1?x=1"], {
      proxyPort: proxy.port,
      args: ["-X", "DELETE"],
    });
    assert.equal(result.status, 200);
    assert.equal(JSON.parse(result.body).tls, false);
    assert.equal(upstreams.requests[0]?.target, "/items/1?x=1");
    const l7 = proxy.events.find((e) => e.class_uid === 4002)!;
    assert.equal(l7.action_id, 1);
    assert.deepEqual((l7.unmapped as Record<string, unknown>).audit, true);
  });
});

Deno.test("proxy L4: a blind tunnel carries the upstream's own TLS; unknown hosts are denied", async () => {
  await withProxy(async (proxy, upstreams) => {
    // Trusting only the upstream's CA proves the proxy did not terminate TLS.
    const tunnel = await curl(["https://l4.example.com/raw"], {
      proxyPort: proxy.port,
      caPath: upstreams.caPath,
    });
    assert.equal(tunnel.exitCode, 0, tunnel.stderr);
    assert.equal(JSON.parse(tunnel.body).target, "/raw");
    const unknown = await curl(["https://unknown.example.net/"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    // Denied at L4, told inside the tunnel: curl shows the structured 403 itself.
    assert.equal(unknown.status, 403);
    assert.equal(JSON.parse(unknown.body).layer, "l4");
    const wrongBinary = await curl(["https://wget.example.com/"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    assert.equal(wrongBinary.status, 403);
    assert.equal(upstreams.requests.length, 1);
    const denials = proxy.events.filter((e) => e.action_id === 2);
    assert.deepEqual(denials.map((e) => e.status_detail), [
      "endpoint unknown.example.net:443 not in policy",
      "binary '/usr/bin/curl' not allowed in policy 'wget_only'",
    ]);
  });
});

Deno.test("proxy L4 deny: the request inside the CONNECT gets the structured 403 with layer l4", async () => {
  await withProxy(async (proxy) => {
    const response = await tunnelRequest(
      proxy.port,
      "wget.example.com",
      proxy.caPath,
      "GET / HTTP/1.1\r\nHost: wget.example.com\r\n\r\n",
    );
    assert.match(response.head, /^HTTP\/1\.1 403 Forbidden by Tollgate policy, see /);
    const body = JSON.parse(response.body);
    assert.equal(body.layer, "l4");
    assert.equal(body.rule, "CONNECT wget.example.com:443");
    assert.equal(body.binary, Deno.execPath());
    assert.deepEqual(body.rule_missing, {
      type: "l4_allow",
      layer: "l4",
      host: "wget.example.com",
      port: 443,
      binary: Deno.execPath(),
    });
    assert.equal(body.method, undefined);
    assert.equal(body.next_steps.length, 4);
  });
});

Deno.test("proxy identity: a requester that cannot be identified is denied, saying so", async () => {
  const identity = { resolve: () => Promise.reject(new Error("no process owns socket inode 7")) };
  await withProxy(async (proxy, upstreams) => {
    const result = await curl(["http://plain.example.com/"], { proxyPort: proxy.port });
    assert.equal(result.status, 403);
    assert.match(
      JSON.parse(result.body).detail,
      /requester identity could not be resolved: no process owns socket inode 7/,
    );
    assert.equal(upstreams.connections(), 0);
  }, { identity });
});
