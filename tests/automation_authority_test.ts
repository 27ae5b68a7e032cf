/**
 * #17 items 1 and 2: the authority a proposal adds, and the org ceiling.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { compilePolicy, type NetworkRule, parsePolicy } from "../proxy/policy/mod.ts";
import { authorityDelta, formatGrant } from "../gateway/authority/mod.ts";
import { ProposalConflictError, ProposalStore } from "../gateway/mod.ts";
import { makeRepo, putProposal } from "./gateway_fixtures.ts";

const CURRENT = `version: 1
network_policies:
  gh_ro:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
  wild:
    endpoints: [{ host: "*.example.com", port: 443 }]
    binaries: [{ path: "/usr/bin/*" }]
`;

function compiled(text: string) {
  const { policy } = parsePolicy(text, "p.yaml");
  return compilePolicy(policy!);
}

const rest = (method: string, path: string, host = "api.github.com") => ({
  host,
  port: 443,
  protocol: "rest" as const,
  rules: [{ allow: { method, path } }],
});

const CASES: { name: string; rule: NetworkRule; added: string[]; widens: boolean }[] = [
  {
    name: "already covered by a preset",
    rule: { endpoints: [rest("GET", "/repos/o/r")], binaries: [{ path: "/usr/bin/curl" }] },
    added: [],
    widens: false,
  },
  {
    name: "one new method on a preset host",
    rule: { endpoints: [rest("PUT", "/repos/o/r/x")], binaries: [{ path: "/usr/bin/curl" }] },
    added: ["/usr/bin/curl -> api.github.com:443 L7 PUT /repos/o/r/x"],
    widens: false,
  },
  {
    name: "a preset expands to its methods, minus what is covered",
    rule: {
      endpoints: [{ host: "api.github.com", port: 443, protocol: "rest", access: "read-write" }],
      binaries: [{ path: "/usr/bin/curl" }],
    },
    added: ["POST", "PUT", "PATCH"].map((m) => `/usr/bin/curl -> api.github.com:443 L7 ${m} /**`),
    widens: true,
  },
  {
    name: "another binary is new authority",
    rule: { endpoints: [rest("GET", "/x")], binaries: [{ path: "/usr/bin/wget" }] },
    added: ["/usr/bin/wget -> api.github.com:443 L7 GET /x"],
    widens: false,
  },
  {
    name: "any binary is not covered by one binary",
    rule: { endpoints: [rest("GET", "/x")] },
    added: ["any binary -> api.github.com:443 L7 GET /x"],
    widens: true,
  },
  {
    name: "L4 where only L7 is granted is new",
    rule: {
      endpoints: [{ host: "api.github.com", port: 443 }],
      binaries: [{ path: "/usr/bin/curl" }],
    },
    added: ["/usr/bin/curl -> api.github.com:443 L4"],
    widens: false,
  },
  {
    name: "L7 under an L4 wildcard grant is covered",
    rule: {
      endpoints: [rest("POST", "/a", "x.example.com")],
      binaries: [{ path: "/usr/bin/curl" }],
    },
    added: [],
    widens: false,
  },
  {
    name: "a ** host is not covered by a * host",
    rule: {
      endpoints: [{ host: "**.example.com", port: 443 }],
      binaries: [{ path: "/usr/bin/curl" }],
    },
    added: ["/usr/bin/curl -> **.example.com:443 L4"],
    widens: true,
  },
  {
    name: "a ** binary glob is not covered by a * binary glob",
    rule: { endpoints: [{ host: "a.example.com", port: 443 }], binaries: [{ path: "/usr/**" }] },
    added: ["/usr/** -> a.example.com:443 L4"],
    widens: true,
  },
  {
    name: "an audit endpoint adds every request",
    rule: {
      endpoints: [{
        host: "api.github.com",
        port: 443,
        protocol: "rest",
        enforcement: "audit",
        rules: [{ allow: { method: "GET", path: "/x" } }],
      }],
      binaries: [{ path: "/usr/bin/curl" }],
    },
    added: ["/usr/bin/curl -> api.github.com:443 L7 * /**"],
    widens: true,
  },
];

Deno.test("automation #17.1: the authority delta table (presets, wildcards, binaries, L4 vs L7, already covered)", () => {
  const current = compiled(CURRENT);
  for (const c of CASES) {
    const delta = authorityDelta(current, c.rule);
    assert.deepEqual(delta.added.map(formatGrant), c.added, c.name);
    assert.equal(delta.widens, c.widens, c.name);
  }
});

const CEILING = `# the org ceiling: a secret list of what may ever be granted
version: 1
network_policies:
  github_secret_marker:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, rules: [{ allow: { method: PUT, path: "/repos/o/r/contents/**" } }, { allow: { method: GET, path: "/**" } }] }
    binaries: [{ path: /usr/bin/curl }]
`;

Deno.test("automation #17.2: a proposal outside the ceiling is refused at submit with outside_org_ceiling only", async () => {
  const repo = await makeRepo();
  try {
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), CEILING);
    const store = new ProposalStore({ policiesDir: repo.policies });
    const inside = await store.submit(putProposal());
    assert.equal(inside.accepted, true);
    if (inside.accepted) {
      const delta = inside.proposal.findings.find((f) => f.code === "authority_delta");
      assert.match(
        delta!.message,
        /adds 1 grant\(s\): \/usr\/bin\/curl -> api.github.com:443 L7 PUT/,
      );
    }
    const outside = putProposal();
    outside.rule.endpoints[0]!.rules = [{ allow: { method: "PUT", path: "/orgs/o/members" } }];
    const refused = await store.submit({ ...outside, ruleName: "members" });
    assert.equal(refused.accepted, false);
    const text = JSON.stringify(refused);
    assert.match(text, /outside_org_ceiling/);
    assert.doesNotMatch(text, /secret|github_secret_marker|contents\/\*\*/);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("automation #17.2: an approval that would leave the ceiling is refused for every reviewer", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const submitted = await store.submit(putProposal());
    assert.ok(submitted.accepted);
    // The ceiling tightens after the submit: the approval is checked against it again.
    await Deno.writeTextFile(
      join(repo.policies, "ceiling.yaml"),
      CEILING.replace("contents/**", "issues/**"),
    );
    await assert.rejects(
      () => store.approve(submitted.proposal.id, { approvedBy: "alice" }),
      (e: Error) => e instanceof ProposalConflictError && /outside_org_ceiling/.test(e.message),
    );
    assert.equal((await store.get(submitted.proposal.id))?.state, "pending");
  } finally {
    await repo.cleanup();
  }
});

Deno.test("automation #17.2: an unreadable ceiling fails closed at submit", async () => {
  const repo = await makeRepo();
  try {
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), "version: 2\n");
    const store = new ProposalStore({ policiesDir: repo.policies });
    const r = await store.submit(putProposal());
    assert.equal(r.accepted, false);
    assert.match(JSON.stringify(r), /outside_org_ceiling/);
  } finally {
    await repo.cleanup();
  }
});
