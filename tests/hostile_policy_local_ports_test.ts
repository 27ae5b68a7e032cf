/**
 * A hostile agent against policy.local's name: policy.local is the proxy's own API, on plain
 * HTTP port 80 only. A tunnel to it on another port (what `https://policy.local` sends) must not
 * be decided as an upstream host, whose 403 asks the agent to propose `policy.local:443`, and no
 * rule may grant policy.local: a reviewer reads such a rule as the sandbox's own API, while the
 * proxy would look the name up on the host (mDNS answers `.local` names from the LAN). The
 * answer comes inside the tunnel, where a client shows it (curl hides a refused CONNECT's body).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { curlArgs, rawRequest } from "./support/mod.ts";
import { withProxyOnGateway } from "./proxy_on_gateway.ts";

const PROPOSAL = (host: string, port: number) =>
  JSON.stringify({
    intent_summary: "reach my own API over TLS",
    operations: [{
      addRule: {
        ruleName: "own_api",
        rule: { endpoints: [{ host, port }], binaries: [{ path: "/usr/bin/curl" }] },
      },
    }],
  });

Deno.test("hostile policy.local ports: https://policy.local is told, inside the tunnel, to use http://policy.local/, never to propose", async () => {
  await withProxyOnGateway(async ({ port, stateDir }) => {
    const proxy = ["-x", `http://127.0.0.1:${port}`, "--cacert", join(stateDir, "ca", "ca.pem")];
    // curl hides a refused CONNECT's body ("CONNECT tunnel failed, response 400"): the answer
    // must come inside the tunnel, over HTTP/1.1 and over h2 alike.
    for (const version of ["--http1.1", "--http2"]) {
      for (const url of ["https://policy.local/v1/skill", "https://POLICY.local:8443/v1/denials"]) {
        const res = await curlArgs([...proxy, version, url]);
        assert.equal(res.status, 400, `${version} ${url}: ${res.body}`);
        const body = JSON.parse(res.body);
        assert.equal(body.error, "invalid_policy_local_scheme", res.body);
        assert.match(body.detail, /use http:\/\/policy\.local\//);
        assert.doesNotMatch(res.body, /rule_missing|policy_denied/);
      }
    }
    // Plain HTTP inside a tunnel on another port than 80 gets the same answer.
    const target = "policy.local:8080";
    const res = await rawRequest(
      port,
      `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n` +
        "GET /v1/skill HTTP/1.1\r\nHost: policy.local\r\n\r\n",
    );
    assert.match(res.raw, /^HTTP\/1.1 200 [^]*HTTP\/1.1 400 [^]*"invalid_policy_local_scheme"/);
    // The tunnel on port 80 still serves policy.local.
    const ok = await curlArgs([
      "-p",
      "-x",
      `http://127.0.0.1:${port}`,
      "http://policy.local/v1/skill",
    ]);
    assert.equal(ok.status, 200, ok.body);
  });
});

Deno.test("hostile policy.local ports: a proposal naming policy.local is refused, on any port", async () => {
  await withProxyOnGateway(async ({ port, policiesDir }) => {
    for (
      const [host, to] of [["policy.local", 443], ["Policy.Local", 80], ["policy.local", 8080]]
    ) {
      const res = await curlArgs([
        ...["-x", `http://127.0.0.1:${port}`, "-H", "Content-Type: application/json"],
        ...["--data", PROPOSAL(host as string, to as number), "http://policy.local/v1/proposals"],
      ]);
      assert.equal(res.status, 202, `${host}:${to}: ${res.body}`);
      assert.match(res.body, /"accepted_chunks":0,"rejected_chunks":1/, res.body);
      assert.match(res.body, /policy_local_target: \S+ is the proxy's own API/);
    }
    const pending = [...Deno.readDirSync(`${policiesDir}/pending`)].filter((e) =>
      e.name.endsWith(".patch")
    );
    assert.deepEqual(pending, []);
  });
});

Deno.test("hostile policy.local ports: https://policy.local:80 (TLS inside CONNECT policy.local:80) reads its denial", async () => {
  await withProxyOnGateway(async ({ port, stateDir }) => {
    const proxy = ["-x", `http://127.0.0.1:${port}`, "--cacert", join(stateDir, "ca", "ca.pem")];
    // Before: the ClientHello was read as an HTTP request and answered with a plain-text 400
    // that no TLS client can read ("wrong version number").
    for (const version of ["--http1.1", "--http2"]) {
      const res = await curlArgs([...proxy, version, "https://policy.local:80/v1/skill"]);
      assert.equal(res.status, 400, `${version}: ${res.body}`);
      const body = JSON.parse(res.body);
      assert.equal(body.error, "invalid_policy_local_scheme", res.body);
      assert.match(body.detail, /use http:\/\/policy\.local\//);
    }
    // Plain HTTP in such a tunnel is still served, request after request (curl reuses it).
    const plain = await curlArgs([
      ...["-p", "-x", `http://127.0.0.1:${port}`, "-o", "/dev/null"],
      ...["http://policy.local/v1/skill", "http://policy.local/v1/policy/current"],
    ]);
    assert.equal(plain.status, 200, plain.body);
  });
});

Deno.test("hostile policy.local ports: a client speaking TLS to the proxy itself (an https:// proxy URL) reads why", async () => {
  await withProxyOnGateway(async ({ port, stateDir }) => {
    const ca = join(stateDir, "ca", "ca.pem");
    // Before: the ClientHello was read as a request head and answered in the clear ("wrong
    // version number"), so `-x https://…` on http://policy.local/ read nothing at all.
    for (const version of ["--http1.1", "--http2"]) {
      const res = await curlArgs([
        ...["-x", `https://127.0.0.1:${port}`, "--proxy-cacert", ca, version],
        "http://policy.local/v1/skill",
      ]);
      assert.equal(res.status, 400, `${version}: ${res.body}`);
      const body = JSON.parse(res.body);
      assert.equal(body.error, "proxy_is_plain_http", res.body);
      assert.match(body.detail, /http:\/\//);
    }
    // The plain proxy is served as before.
    const ok = await curlArgs(["-x", `http://127.0.0.1:${port}`, "http://policy.local/v1/skill"]);
    assert.equal(ok.status, 200, ok.body);
  });
});
