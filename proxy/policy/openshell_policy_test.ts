/**
 * Policies OpenShell accepts (issue #14 items 6-12): the warnings it gives on accepted input,
 * rules without binaries, explicit `protocol: tcp`, and how decide() treats each. Every case
 * names the OpenShell test or file its vector comes from.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { compilePolicy, decide, formatBinaries, formatIssue, loadPolicyText } from "./mod.ts";
import type { RequestFacts } from "./mod.ts";

const valid = fileURLToPath(new URL("./yaml/testdata/valid/", import.meta.url));
const curl = { exe: "/usr/bin/curl", ancestors: [] };
const other = { exe: "/opt/tool/bin/fetcher", ancestors: [] };

function load(yaml: string) {
  return loadPolicyText(yaml, "p.yaml");
}

Deno.test("hostile #14.6: each valid fixture's warnings are reported at their position, and it loads", async (t) => {
  for (const e of Deno.readDirSync(valid)) {
    if (!e.name.endsWith(".yaml")) continue;
    await t.step(e.name, () => {
      const text = Deno.readTextFileSync(valid + e.name);
      // A fixture lists what it expects: `# warn: LINE:COL: message`, one line per warning.
      const expected = [...text.matchAll(/^# warn: (.*)$/gm)].map((m) => `${e.name}:${m[1]}`);
      const loaded = loadPolicyText(text, e.name);
      assert.deepEqual((loaded.warnings ?? []).map(formatIssue), expected);
    });
  }
});

const rule = (endpoint: string, binaries = "    binaries: [{ path: /usr/bin/curl }]\n") =>
  `version: 1\nnetwork_policies:\n  r:\n    endpoints:\n      - ${endpoint}\n${binaries}`;

Deno.test("hostile #14.6: access: allow (OpenShell expand_unsupported_access_preset_warns...) allows no request", () => {
  const { compiled } = load(
    rule("{ host: svc.example.com, port: 80, protocol: rest, access: allow }"),
  );
  const l4 = decide(compiled, { host: "svc.example.com", port: 80, identity: curl });
  assert.equal(l4.verdict, "allow");
  assert.equal(l4.inspect, true);
  const l7 = decide(compiled, {
    host: "svc.example.com",
    port: 80,
    identity: curl,
    method: "GET",
    path: "/",
  });
  assert.equal(l7.verdict, "deny");
  assert.equal(l7.reason, "GET / not permitted by policy");
});

Deno.test("hostile #14.6: tls: skip with protocol: rest still enforces the rules (never a blind tunnel)", () => {
  const yaml = rule(
    "{ host: api.example.com, port: 443, protocol: rest, access: read-only, tls: skip }",
  );
  const { compiled, warnings } = load(yaml);
  assert.equal(warnings?.length, 1);
  const l4 = decide(compiled, { host: "api.example.com", port: 443, identity: curl });
  assert.equal(l4.inspect, true);
  const post = decide(compiled, {
    host: "api.example.com",
    port: 443,
    identity: curl,
    method: "POST",
    path: "/x",
  });
  assert.equal(post.verdict, "deny");
});

Deno.test("hostile #14.6: tls: terminate (OpenShell examples/local-inference) is a no-op: the endpoint is inspected as before", () => {
  const yaml = rule(
    "{ host: api.example.com, port: 443, protocol: rest, access: read-only, tls: terminate }",
  );
  const facts: RequestFacts = { host: "api.example.com", port: 443, identity: curl };
  assert.equal(decide(load(yaml).compiled, facts).inspect, true);
  const l4only = load(rule("{ host: pypi.org, port: 443, tls: passthrough }")).compiled;
  assert.equal(decide(l4only, { ...facts, host: "pypi.org" }).inspect, false);
});

Deno.test("hostile #14.7: a rule without binaries (OpenShell #2499) grants any binary, and says so", () => {
  const { policy, compiled } = load(rule("{ host: api.example.com, port: 443 }", ""));
  const rule0 = policy.network_policies.r!;
  assert.equal(formatBinaries(rule0), "any binary");
  for (const identity of [curl, other]) {
    const d = decide(compiled, { host: "api.example.com", port: 443, identity });
    assert.equal(d.verdict, "allow", identity.exe);
  }
  // An unidentified requester is still refused: "any binary" is not "no identity check".
  const d = decide(compiled, { host: "api.example.com", port: 443, identityError: "gone" });
  assert.equal(d.verdict, "deny");
});

Deno.test("hostile #14.11: protocol: tcp (OpenShell examples/transparent-tcp-redis) is an L4 blind tunnel", () => {
  const { compiled } = load(rule("{ host: redis.example.com, port: 6379, protocol: tcp }"));
  const d = decide(compiled, { host: "redis.example.com", port: 6379, identity: curl });
  assert.equal(d.verdict, "allow");
  assert.equal(d.inspect, false);
  const empty = compilePolicy({ version: 1, revision: 0, network_policies: {} });
  assert.equal(
    decide(empty, { host: "redis.example.com", port: 6379, identity: curl }).verdict,
    "deny",
  );
});

Deno.test("hostile #14.9: host wildcards follow OpenShell's label rules (opa.rs and host_pattern.rs vectors)", () => {
  const cases: [string, string, boolean, string][] = [
    [
      "*-aiplatform.googleapis.com",
      "us-central1-aiplatform.googleapis.com",
      true,
      "opa.rs wildcard_host_intra_label_matches",
    ],
    [
      "*-aiplatform.googleapis.com",
      "us-central1.aiplatform.googleapis.com",
      false,
      "opa.rs wildcard_host_intra_label_does_not_cross_dot",
    ],
    [
      "*.s3.*.amazonaws.com",
      "my-bucket.s3.us-east-1.amazonaws.com",
      true,
      "opa.rs wildcard_host_middle_label_matches_one_region_label",
    ],
    [
      "*.s3.*.amazonaws.com",
      "s3.us-east-1.amazonaws.com",
      false,
      "opa.rs wildcard_host_middle_label_does_not_match_missing_bucket_label",
    ],
    [
      "*.s3.*.amazonaws.com",
      "my-bucket.s3.dualstack.us-east-1.amazonaws.com",
      false,
      "opa.rs wildcard_host_middle_label_does_not_skip_dualstack_label",
    ],
    [
      "*-api.example.com",
      "tenant-api.example.com",
      true,
      "host_pattern.rs host_matching_is_case_insensitive",
    ],
    ["*-api.example.com", "api.example.com", false, "opa.rs host glob parity"],
    ["*.Example.COM", "API.example.com", true, "host_pattern.rs host_matching_is_case_insensitive"],
    [
      "*.example.com",
      "deep.api.example.com",
      false,
      "host_pattern.rs host_matching_is_case_insensitive",
    ],
    [
      "**.example.com",
      "deep.api.example.com",
      true,
      "host_pattern.rs recursive_wildcard_requires_at_least_one_label",
    ],
    [
      "**.example.com",
      "example.com",
      false,
      "host_pattern.rs recursive_wildcard_requires_at_least_one_label",
    ],
    ["**.*.example.com", "a.b.example.com", true, "glob.match with '.': ** then one label"],
    [
      "**.*.example.com",
      "b.example.com",
      false,
      "glob.match with '.': ** needs a label of its own",
    ],
    ["a*b.example.com", "ab.example.com", true, "glob.match: * may be empty inside a label"],
  ];
  for (const [pattern, host, expected, source] of cases) {
    const yaml = rule(`{ host: "${pattern}", port: 443 }`);
    const d = decide(load(yaml).compiled, { host: host.toLowerCase(), port: 443, identity: curl });
    assert.equal(d.verdict, expected ? "allow" : "deny", `${pattern} vs ${host} (${source})`);
  }
});

const PATHS = `version: 1
network_policies:
  gh_graphql:
    endpoints:
      - { host: api.github.com, port: 443, path: /graphql, protocol: rest, rules: [{ allow: { method: POST, path: "**" } }] }
    binaries: [{ path: /usr/bin/curl }]
  gh_rest:
    endpoints:
      - { host: api.github.com, port: 443, path: "/repos/**", protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
`;

Deno.test("hostile #14.8: an endpoint path picks which endpoint's rules judge a request (OpenShell endpoint_matches_l7_request, proxy.rs l7_route_selection_prefers_path_specific_graphql_endpoint)", () => {
  const { compiled } = load(PATHS);
  const ask = (method: string, path: string) =>
    decide(compiled, { host: "api.github.com", port: 443, identity: curl, method, path });
  assert.equal(ask("POST", "/graphql").verdict, "allow");
  assert.equal(ask("POST", "/graphql").policy, "gh_graphql");
  assert.equal(ask("GET", "/repos/o/r").verdict, "allow");
  // The graphql endpoint's "POST **" must not leak onto /repos: its path does not cover it.
  assert.equal(ask("POST", "/repos/o/r").verdict, "deny");
  assert.equal(ask("GET", "/user").reason, "GET /user not permitted by policy");
});

const HOSTLESS = `version: 1
network_policies:
  private:
    endpoints:
      - { ports: [80, 443], allowed_ips: ["10.0.0.0/8"] }
      - { port: 9443, allowed_ips: ["172.16.0.0/12", "192.168.1.1"] }
    binaries: [{ path: /usr/bin/curl }]
`;

Deno.test("hostile #14.10: a host-less allowed_ips endpoint matches any name whose addresses all lie inside (opa.rs hostless_endpoint_multi_port, allowed_ips_mode3_*)", () => {
  const { compiled } = load(HOSTLESS);
  const cases: [string, number, string[] | undefined, "allow" | "deny", string][] = [
    ["anything.internal", 80, ["10.1.2.3"], "allow", "hostless_endpoint_multi_port (80)"],
    ["anything.internal", 443, ["10.1.2.3"], "allow", "hostless_endpoint_multi_port (443)"],
    [
      "anything.example.com",
      9443,
      ["172.20.0.1"],
      "allow",
      "allowed_ips_mode3_hostless_allows_any_domain",
    ],
    ["anything.example.com", 12345, ["10.1.2.3"], "deny", "allowed_ips_mode3_wrong_port_denied"],
    // Tollgate's stricter half: every address must be inside, and a name needs addresses.
    ["mixed.example.com", 80, ["10.1.2.3", "203.0.113.9"], "deny", "one address outside"],
    ["public.example.com", 80, ["203.0.113.9"], "deny", "public address"],
    ["unresolved.example.com", 80, undefined, "deny", "no addresses given"],
    ["10.9.9.9", 80, undefined, "allow", "IP literal inside"],
  ];
  for (const [host, port, addresses, verdict, source] of cases) {
    const facts: RequestFacts = { host, port, identity: curl };
    if (addresses) facts.addresses = addresses;
    const d = decide(compiled, facts);
    assert.equal(d.verdict, verdict, source);
    if (verdict === "allow" && port === 9443) {
      assert.deepEqual(
        d.allowedIps,
        ["172.16.0.0/12", "192.168.1.1"],
        "allowed_ips_mode3_returns_allowed_ips",
      );
    }
  }
});
