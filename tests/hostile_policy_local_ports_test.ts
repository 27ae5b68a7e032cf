/**
 * A hostile agent against policy.local's name: policy.local is the proxy's own API, on plain
 * HTTP port 80 only. A tunnel to it on another port (what `https://policy.local` sends) must not
 * be decided as an upstream host, whose 403 asks the agent to propose `policy.local:443`, and no
 * rule may grant policy.local: a reviewer reads such a rule as the sandbox's own API, while the
 * proxy would look the name up on the host (mDNS answers `.local` names from the LAN).
 */
import assert from "node:assert/strict";
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

Deno.test("hostile policy.local ports: CONNECT policy.local on another port than 80 is told to use http://policy.local/, never to propose", async () => {
  await withProxyOnGateway(async ({ port }) => {
    for (const target of ["policy.local:443", "POLICY.local:8443", "policy.local:8080"]) {
      const res = await rawRequest(port, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
      assert.equal(res.status, 400, `${target}: ${res.raw}`);
      assert.match(res.body, /"error":"invalid_policy_local_scheme"/, res.body);
      assert.match(res.body, /http:\/\/policy\.local\//);
      assert.doesNotMatch(res.raw, /rule_missing|policy_denied/);
    }
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
