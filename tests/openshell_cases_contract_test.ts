/**
 * OpenShell's agent-facing contract tests, case by case, through a real proxy with a proposal
 * store: `crates/openshell-supervisor-network/src/policy_local.rs` (routes, proposal bodies,
 * denials, chunk state) and the deny-body tests of `l7/rest.rs` (at 2f7fb655). Each case is a
 * request an agent sends and the fields OpenShell's test pins in the answer.
 */
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { curlArgs } from "./support/mod.ts";
import { TEAM_POLICY } from "./gateway_fixtures.ts";
import { type Harness, withProxy } from "./openshell_fixtures.ts";

/** One policy.local call and what its JSON answer must hold. */
interface ContractCase {
  /** The OpenShell file and test this case mirrors. */
  mirrors: string;
  /** The path under `http://policy.local`, and the JSON body of a POST. */
  call: [string, unknown?];
  /** The status OpenShell's test pins. */
  status: number;
  /** Fields (by dotted path) and the values they must have. */
  has?: Record<string, unknown>;
  /** Text the whole answer must not contain. */
  lacks?: string[];
}

const F = "policy_local.rs";
const GH_REPO_CREATE = {
  intent_summary: "Allow gh to create one repo.",
  operations: [{
    addRule: {
      ruleName: "github_api_repo_create",
      rule: {
        endpoints: [{
          host: "api.github.com",
          port: 443,
          protocol: "rest",
          tls: "terminate",
          enforcement: "enforce",
          rules: [{ allow: { method: "POST", path: "/user/repos" } }],
        }],
        binaries: [{ path: "/usr/bin/gh" }],
      },
    },
  }],
};
const QUERY_IN_PATH = {
  operations: [{
    addRule: {
      ruleName: "bad",
      rule: {
        endpoints: [{
          host: "api.github.com",
          port: 443,
          rules: [{ allow: { method: "GET", path: "/repos?token=secret" } }],
        }],
      },
    },
  }],
};

const CASES: ContractCase[] = [
  {
    mirrors: `${F} proposal_chunks_from_body_accepts_add_rule_operation`,
    call: ["/v1/proposals", GH_REPO_CREATE],
    status: 202,
    has: { status: "submitted", accepted_chunks: 1, rejected_chunks: 0 },
  },
  {
    mirrors: `${F} proposal_chunks_from_body_rejects_query_in_l7_path`,
    call: ["/v1/proposals", QUERY_IN_PATH],
    status: 400,
    has: { error: "invalid_proposal" },
    lacks: ["secret"],
  },
  {
    mirrors: `${F} current_policy_route_returns_yaml_envelope`,
    call: ["/v1/policy/current"],
    status: 200,
    has: { format: "yaml" },
  },
  ...["/v1/proposals/", "/v1/proposals/abc/extra", "/v1/proposals/abc/wait/extra"].map((path) => ({
    mirrors: `${F} proposal_routes_reject_malformed_paths (${path})`,
    call: [path] as [string],
    status: 404,
  })),
];

function field(json: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>(
    (
      at,
      key,
    ) => (at !== null && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined),
    json,
  );
}

async function check(h: Harness, test: ContractCase): Promise<string | undefined> {
  const [path, body] = test.call;
  const res = await h.call(path, body);
  const text = JSON.stringify(res.json);
  if (res.status !== test.status) return `status ${res.status}, expected ${test.status}: ${text}`;
  for (const [key, value] of Object.entries(test.has ?? {})) {
    if (!isDeepStrictEqual(field(res.json, key), value)) return `${key} in ${text}`;
  }
  const leaked = (test.lacks ?? []).filter((word) => text.includes(word));
  return leaked.length === 0 ? undefined : `answer holds ${leaked.join(", ")}: ${text}`;
}

Deno.test("OpenShell policy_local.rs: each agent call is answered as OpenShell's test pins", () =>
  withProxy(async (h) => {
    const wrong: string[] = [];
    for (const test of CASES) {
      const problem = await check(h, test);
      if (problem !== undefined) wrong.push(`${test.mirrors}: ${problem}`);
    }
    assert.deepEqual(wrong, []);
  }));

Deno.test("OpenShell policy_local.rs chunk state: the submitted rule's name and binary come back (proposal_chunks_from_body_accepts_add_rule_operation)", () =>
  withProxy(async (h) => {
    const sent = await h.call("/v1/proposals", GH_REPO_CREATE);
    const id = (sent.json.accepted_chunk_ids as string[])[0];
    const state = (await h.call(`/v1/proposals/${id}`)).json;
    assert.equal(state.rule_name, "github_api_repo_create");
    assert.equal(state.binary, "/usr/bin/gh");
    assert.equal(state.status, "pending");
    // chunk_state_payload_surfaces_loop_fields: no timed_out or policy_reloaded while pending.
    assert.equal(state.timed_out, undefined);
    assert.equal(state.policy_reloaded, undefined);
    // parse_timeout_query_defaults_and_clamps: timeout=0 waits the floor (1 s), not forever.
    const started = Date.now();
    const waited = await h.call(`/v1/proposals/${id}/wait?timeout=0`);
    assert.equal(waited.json.timed_out, true);
    assert.ok(Date.now() - started < 10_000);
  }));

const DOCS_POLICY = TEAM_POLICY.replace(
  "filesystem_policy:",
  `  docs_ro:
    endpoints:
      - { host: docs.example, port: 80, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]

filesystem_policy:`,
);

Deno.test("OpenShell rest.rs deny_response_body_is_agent_readable_and_redacted / send_deny_response_writes_structured_json_403: the 403 an agent reads", () =>
  withProxy(
    async (h) => {
      const put = await curlArgs([
        "-i",
        "-x",
        `http://127.0.0.1:${h.port}`,
        "-X",
        "PUT",
        "http://docs.example/repos/o/r/contents/README.md?access_token=secret-token",
      ]);
      assert.equal(put.status, 403, put.body);
      assert.match(put.body, /^content-type: application\/json/im);
      assert.match(put.body, /^x-openshell-policy: docs_ro/im);
      assert.ok(!put.body.includes("secret-token"), "no query or credential in the 403");
      const body = JSON.parse(put.body.slice(put.body.indexOf("\r\n\r\n") + 4));
      const path = "/repos/o/r/contents/README.md";
      assert.deepEqual(
        [body.error, body.policy, body.layer, body.protocol, body.method, body.host, body.port],
        ["policy_denied", "docs_ro", "l7", "rest", "PUT", "docs.example", 80],
      );
      assert.equal(body.path, path);
      assert.equal(body.rule, `PUT ${path}`);
      assert.equal(body.binary, "/usr/bin/curl");
      assert.deepEqual(body.rule_missing, {
        type: "rest_allow",
        layer: "l7",
        method: "PUT",
        path,
        host: "docs.example",
        port: 80,
        binary: "/usr/bin/curl",
      });
      assert.equal(body.next_steps[0].action, "read_skill");
      assert.equal(body.next_steps[3].action, "submit_proposal");
      assert.equal(body.next_steps[3].body_type, "PolicyMergeOperation");
      // agent_guidance_points_to_policy_advisor_when_flag_on: where to propose, when to retry.
      assert.match(body.agent_guidance, /http:\/\/policy\.local\/v1\/proposals/);
      assert.match(body.agent_guidance, /policy_reloaded: true/);
      // recent_denials_returns_newest_first_from_shorthand_lines, redact_query_strings_*: the
      // denial is listed first, its line in OpenShell's shorthand, the query left out.
      const denials = await h.call("/v1/denials?last=0");
      const entries = denials.json.denials as { line: string; path?: string }[];
      assert.equal(entries.length, 1, "last=0 clamps to 1 (parse_last_query_clamps_to_max)");
      // shorthand.rs: `HTTP:PUT [MED] DENIED <actor> -> PUT <url> [policy:… engine:…]`.
      assert.match(
        entries[0]!.line,
        / OCSF HTTP:PUT \[MED\] DENIED \S+\(\d+\) -> PUT http:\/\/docs\.example\//,
      );
      assert.ok(entries[0]!.line.includes(path));
      assert.ok(!JSON.stringify(denials.json).includes("secret-token"));
    },
    DOCS_POLICY,
    ["docs.example:80:127.0.0.1"],
  ));
