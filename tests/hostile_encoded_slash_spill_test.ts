/**
 * A rule's `allow_encoded_slash` widens that rule only. The proxy keeps `%2F` in a path when
 * any grant of the binary on that host has the flag, so an approved narrow rule with it
 * (`GET /x`, flagged `encoded_slash` for its own `*`) made every other rule of that host
 * judge `%2F` paths: their denies missed `r%2Factions%2Fsecrets` and their one-segment `*`
 * matched `a%2Fb%2Fc`, which an origin decoding first reads as the denied or deeper path.
 * And the rule's own `*` is asked as the depth it reaches, so the org ceiling sees it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import { compilePolicy, decide, type Endpoint, parsePolicy } from "../proxy/policy/mod.ts";
import { makeRepo } from "./gateway_fixtures.ts";
import { rawRequest, type TestProxy, type TestUpstreams, withTestProxy } from "./support/mod.ts";

const GH_RULE = `  gh:
    endpoints:
      - host: plain.example.com
        port: 80
        protocol: rest
        rules:
          - allow: { method: GET, path: "/repos/o/**" }
          - allow: { method: GET, path: "/docs/*" }
        deny_rules: [{ method: GET, path: "/repos/o/r/actions/secrets/**" }]
    binaries: [{ path: /usr/bin/curl }]
`;
// The agent's narrow rule, approved with its encoded_slash warning.
const SLUG_RULE = `  slugs:
    endpoints:
      - host: plain.example.com
        port: 80
        protocol: rest
        allow_encoded_slash: true
        rules: [{ allow: { method: GET, path: "/files/*" } }]
    binaries: [{ path: /usr/bin/curl }]
`;
const POLICY = `version: 1\nnetwork_policies:\n${GH_RULE}${SLUG_RULE}`;
const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };

function withProxy(run: (proxy: TestProxy, upstreams: TestUpstreams) => Promise<void>) {
  return withTestProxy({ policy: POLICY, identity, httpHosts: ["plain.example.com"] }, run);
}

async function get(proxy: TestProxy, path: string): Promise<number> {
  const host = "plain.example.com";
  const raw = `GET http://${host}${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
  return (await rawRequest(proxy.port, raw)).status;
}

Deno.test("hostile: another rule's allow_encoded_slash never lets a %2F path past this rule's deny", async () => {
  await withProxy(async (proxy, upstreams) => {
    assert.equal(await get(proxy, "/repos/o/r/actions/secrets/t"), 403);
    // Before: 200, and the origin got the secrets path with its slashes encoded.
    assert.equal(await get(proxy, "/repos/o/r%2Factions%2Fsecrets/t"), 403);
    assert.equal(await get(proxy, "/repos/o/r/actions%2Fsecrets/t"), 403);
    assert.deepEqual(upstreams.requests.map((r) => r.target), []);
  });
});

Deno.test("hostile: a rule without allow_encoded_slash never allows a %2F path", async () => {
  await withProxy(async (proxy, upstreams) => {
    assert.equal(await get(proxy, "/docs/readme"), 200);
    // Before: 200, `/docs/*` matching a path an origin reads three segments deep.
    assert.equal(await get(proxy, "/docs/a%2Fb%2Fc"), 403);
    assert.equal(await get(proxy, "/repos/o/a%2Fb"), 403);
    // The rule that asked for encoded slashes keeps them.
    assert.equal(await get(proxy, "/files/a%2Fb"), 200);
    assert.deepEqual(upstreams.requests.map((r) => r.target), ["/docs/readme", "/files/a%2Fb"]);
  });
});

/** Curl may write one file level under contents/, no deeper. */
const CEILING = `version: 1
network_policies:
  contents:
    endpoints:
      - host: api.github.com
        port: 443
        protocol: rest
        rules: [{ allow: { method: PUT, path: "/repos/o/r/contents/*" } }]
    binaries: [{ path: /usr/bin/curl }]
`;

Deno.test("hostile: a rule's allow_encoded_slash is asked at the depth its '*' reaches, so the ceiling holds", async () => {
  const repo = await makeRepo();
  try {
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), CEILING);
    const store = new ProposalStore({ policiesDir: repo.policies });
    const endpoint = (flag: boolean): Endpoint => ({
      host: "api.github.com",
      port: 443,
      protocol: "rest",
      ...(flag ? { allow_encoded_slash: true } : {}),
      rules: [{ allow: { method: "PUT", path: "/repos/o/r/contents/*" } }],
    });
    const submit = (name: string, flag: boolean) =>
      store.submit({
        policy: "team",
        ruleName: name,
        rationale: "r",
        rule: { endpoints: [endpoint(flag)], binaries: [{ path: "/usr/bin/curl" }] },
      });
    // Before: inside, though PUT contents/a%2Fb%2Fc reaches contents/a/b/c at the origin.
    const slugs = await submit("slugs", true);
    assert.equal(slugs.accepted, false, JSON.stringify(slugs));
    assert.match(JSON.stringify(slugs), /outside_org_ceiling/);
    const files = await submit("files", false);
    assert.ok(files.accepted, JSON.stringify(files));
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile: an audit rule without allow_encoded_slash lets no %2F path through", () => {
  const text = `version: 1
network_policies:
  watched:
    endpoints:
      - { host: plain.example.com, port: 80, protocol: rest, enforcement: audit, rules: [{ allow: { method: GET, path: "/y" } }] }
    binaries: [{ path: /usr/bin/curl }]
${SLUG_RULE}`;
  const compiled = parsePolicy(text, "p.yaml").policy!;
  const at = {
    host: "plain.example.com",
    port: 80,
    identity: { exe: "/usr/bin/curl", ancestors: [] },
    now: Date.now(),
    method: "GET",
  };
  const policy = compilePolicy(compiled);
  // The audit rule still lets through what it would deny, as written.
  assert.equal(decide(policy, { ...at, path: "/z/w" }).verdict, "allow");
  // Before: allow (audit), for a path only the slug rule's flag kept.
  assert.equal(decide(policy, { ...at, path: "/z%2Fw" }).verdict, "deny");
  assert.equal(decide(policy, { ...at, path: "/files/a%2Fb" }).verdict, "allow");
});
