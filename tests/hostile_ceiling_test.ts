/**
 * The org ceiling's deny rules hold: a ceiling deny never reaches a sandbox policy, so a grant
 * that some of its requests would hit there is outside the ceiling (at submit, for
 * auto-approval, at approval, and for the policy served), unless the rule repeats the deny.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalConflictError, ProposalStore } from "../gateway/mod.ts";
import { policyOutsideCeiling } from "../gateway/authority/mod.ts";
import { compilePolicy, type Endpoint, parsePolicy } from "../proxy/policy/mod.ts";
import { makeRepo, TEAM_POLICY } from "./gateway_fixtures.ts";

/** Curl may read and write the repository's contents, never its workflows or secrets. */
const CEILING = `version: 1
network_policies:
  github:
    endpoints:
      - host: api.github.com
        port: 443
        protocol: rest
        access: full
        deny_rules:
          - { method: PUT, path: "/repos/o/r/contents/.github/**" }
          - { method: DELETE, path: "/**" }
          - { method: POST, path: "/search/code", query: { q: "*password*" } }
    binaries: [{ path: /usr/bin/curl }]
`;

const PATTERNS = `version: 1
patterns:
  - name: repo_contents
    hosts: [api.github.com]
    ports: [443]
    methods: [PUT]
    paths: ["/repos/o/r/contents/**"]
    binaries: [/usr/bin/curl]
`;

function proposal(ruleName: string, endpoint: Partial<Endpoint>) {
  return {
    policy: "team",
    ruleName,
    rationale: "r",
    rule: {
      endpoints: [{ host: "api.github.com", port: 443, protocol: "rest" as const, ...endpoint }],
      binaries: [{ path: "/usr/bin/curl" }],
    },
  };
}

const put = (path: string) => ({ rules: [{ allow: { method: "PUT", path } }] });

async function withCeiling(run: (store: ProposalStore, policies: string) => Promise<void>) {
  const repo = await makeRepo();
  try {
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), CEILING);
    await Deno.writeTextFile(join(repo.policies, "auto_approve.yaml"), PATTERNS);
    await run(new ProposalStore({ policiesDir: repo.policies }), repo.policies);
  } finally {
    await repo.cleanup();
  }
}

Deno.test("hostile ceiling: a glob reaching a ceiling deny is refused at submit, never auto-approved", async () => {
  await withCeiling(async (store, policies) => {
    const before = await Deno.readTextFile(join(policies, "team.yaml"));
    for (
      const [name, endpoint] of [
        ["contents_all", put("/repos/o/r/contents/**")],
        ["any_method", { rules: [{ allow: { method: "*", path: "/repos/o/r/issues/**" } }] }],
        ["search", { rules: [{ allow: { method: "POST", path: "/search/code" } }] }],
      ] as [string, Partial<Endpoint>][]
    ) {
      const r = await store.submit(proposal(name, endpoint));
      assert.equal(r.accepted, false, name);
      assert.match(JSON.stringify(r), /outside_org_ceiling/, name);
    }
    assert.equal(await Deno.readTextFile(join(policies, "team.yaml")), before);
    // Narrower grants, and a rule that repeats the ceiling's deny, stay inside.
    const docs = await store.submit(proposal("docs", put("/repos/o/r/contents/docs/**")));
    assert.ok(docs.accepted && docs.proposal.status === "approved", JSON.stringify(docs));
    const repeated = await store.submit(proposal("contents_but_workflows", {
      ...put("/repos/o/r/contents/**"),
      deny_rules: [{ method: "*", path: "/repos/o/r/contents/.github/**" }],
    }));
    assert.ok(repeated.accepted, JSON.stringify(repeated));
  });
});

Deno.test("hostile ceiling: an approval reaching a ceiling deny added after the submit is refused", async () => {
  await withCeiling(async (store, policies) => {
    await Deno.remove(join(policies, "auto_approve.yaml"));
    await Deno.writeTextFile(
      join(policies, "ceiling.yaml"),
      CEILING.replace(/ {8}deny_rules:\n( {10}- .*\n)+/, ""),
    );
    const r = await store.submit(proposal("contents_all", put("/repos/o/r/contents/**")));
    assert.ok(r.accepted && r.proposal.status === "pending", JSON.stringify(r));
    await Deno.writeTextFile(join(policies, "ceiling.yaml"), CEILING);
    await assert.rejects(
      () => store.approve(r.proposal.id, { approvedBy: "alice" }),
      (e: Error) => e instanceof ProposalConflictError && /outside_org_ceiling/.test(e.message),
    );
  });
});

Deno.test("hostile ceiling: a sandbox policy whose rule reaches a ceiling deny is outside it", () => {
  const ceiling = compilePolicy(parsePolicy(CEILING, "ceiling.yaml").policy!);
  const rule = (extra: string) =>
    TEAM_POLICY.replace(
      "\nfilesystem_policy:",
      `  writes:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, rules: [{ allow: { method: PUT, path: "/**" } }]${extra} }
    binaries: [{ path: /usr/bin/curl }]

filesystem_policy:`,
    );
  const outside = policyOutsideCeiling(ceiling, parsePolicy(rule(""), "team.yaml").policy!);
  assert.match(outside ?? "", /rule "writes" grants .* PUT \/\*\*, outside the org ceiling/);
  const denied = `, deny_rules: [{ method: PUT, path: "/repos/**" }]`;
  assert.equal(
    policyOutsideCeiling(ceiling, parsePolicy(rule(denied), "team.yaml").policy!),
    undefined,
  );
});

/** Curl may write files one or two folders down in o's repositories, no deeper. */
const SHALLOW = `version: 1
network_policies:
  github:
    endpoints:
      - host: api.github.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: PUT, path: "/repos/o/*/contents/*" }
          - allow: { method: PUT, path: "/repos/o/*/contents/*/*" }
    binaries: [{ path: /usr/bin/curl }]
`;

Deno.test("hostile ceiling: a glob the ceiling's allows hold only at sample depths is outside it", async () => {
  await withCeiling(async (store, policies) => {
    await Deno.writeTextFile(join(policies, "ceiling.yaml"), SHALLOW);
    await Deno.writeTextFile(
      join(policies, "auto_approve.yaml"),
      PATTERNS.replace('"/repos/o/r/contents/**"', '"/repos/o/**"'),
    );
    // `contents/**` passed as itself and as `contents/_w/_w`; `contents/a/b/c` is outside.
    const deep = await store.submit(proposal("deep", put("/repos/o/*/contents/**")));
    assert.equal(deep.accepted, false, JSON.stringify(deep));
    assert.match(JSON.stringify(deep), /outside_org_ceiling/);
    const two = await store.submit(proposal("two", put("/repos/o/r/contents/*/*")));
    assert.ok(two.accepted && two.proposal.status === "approved", JSON.stringify(two));
  });
});
