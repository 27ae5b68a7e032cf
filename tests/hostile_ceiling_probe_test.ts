/**
 * Mapping the org ceiling by probing: each `outside_org_ceiling` refusal tells the agent one bit
 * of a file it is never shown. Every such refusal is now a CONFIG:REFUSED event naming the
 * sandbox, and a sandbox refused this way 5 times in 10 minutes has its proposals held
 * unchecked (429 `too_many_refusals` through policy.local), while other sandboxes go on.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import type { OcsfEvent } from "../proxy/ocsf/mod.ts";
import type { NetworkRule } from "../proxy/policy/mod.ts";
import { makeRepo } from "./gateway_fixtures.ts";
import { withProxy } from "./openshell_fixtures.ts";

const CEILING = `version: 1
network_policies:
  gh:
    endpoints: [{ host: api.github.com, port: 443, protocol: rest, access: read-write }]
    binaries: [{ path: /usr/bin/curl }]
`;

/** A rule letting curl `method` `path` on api.github.com:443. */
function ghRule(method: string, path: string): NetworkRule {
  return {
    endpoints: [{
      host: "api.github.com",
      port: 443,
      protocol: "rest",
      rules: [{ allow: { method, path } }],
    }],
    binaries: [{ path: "/usr/bin/curl" }],
  };
}

/** A probe of the ceiling (read-write holds no DELETE): one refusal, one bit learned. */
const probe = (path: string): NetworkRule => ghRule("DELETE", path);

/** A rule inside the ceiling. */
const INSIDE: NetworkRule = ghRule("PUT", "/repos/o/r/contents/x.md");

Deno.test("hostile ceiling probe: refusals are audited and a probing sandbox is held, others are not", async () => {
  const repo = await makeRepo();
  const events: OcsfEvent[] = [];
  try {
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), CEILING);
    const store = new ProposalStore({ policiesDir: repo.policies, emit: (e) => events.push(e) });
    const submit = (sandbox: string, ruleName: string, rule: NetworkRule) =>
      store.submit({ policy: "team", ruleName, rule, rationale: "r", sandbox });
    for (let i = 0; i < 5; i++) {
      const res = await submit("sb-probe", `p${i}`, probe(`/repos/o/r${i}/**`));
      assert.equal(res.accepted, false);
      assert.match(JSON.stringify(res), /outside_org_ceiling/);
    }
    const refused = events.filter((e) => e.unmapped?.config_state === "REFUSED");
    assert.equal(refused.length, 5, "each ceiling refusal is on record");
    assert.equal(refused[0]!.unmapped?.sandbox, "sb-probe");
    assert.match(
      String(refused[0]!.message),
      /outside_org_ceiling sandbox:sb-probe .*DELETE api\.github\.com/,
    );
    // Held: even a rule inside the ceiling is answered without a check (no sixth bit).
    const held = await submit("sb-probe", "inside", INSIDE);
    assert.equal(held.accepted, false);
    assert.equal(held.accepted === false && held.code, "too_many_refusals");
    assert.doesNotMatch(JSON.stringify(held), /outside_org_ceiling/);
    // Another sandbox of the same policy proposes as before.
    const other = await submit("sb-honest", "inside", INSIDE);
    assert.ok(other.accepted, JSON.stringify(other));
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile ceiling probe: policy.local answers a held sandbox 429 too_many_refusals with what to do", () =>
  withProxy(async (h) => {
    await Deno.writeTextFile(join(h.repo.policies, "ceiling.yaml"), CEILING);
    const operations = Array.from({ length: 5 }, (_, i) => ({
      addRule: { ruleName: `p${i}`, rule: probe(`/repos/o/r${i}/**`) },
    }));
    const first = await h.call("/v1/proposals", { intent_summary: "probe", operations });
    assert.equal(first.status, 202, JSON.stringify(first.json));
    assert.equal(first.json.rejected_chunks, 5);
    const next = await h.call("/v1/proposals", {
      intent_summary: "write x.md",
      operations: [{ addRule: { ruleName: "inside", rule: INSIDE } }],
    });
    assert.equal(next.status, 429, JSON.stringify(next.json));
    assert.equal(next.json.error, "too_many_refusals");
    assert.match(String(next.json.detail), /Ask a person/);
  }));

Deno.test("hostile ceiling probe: refusals under an unreadable ceiling hold no sandbox", async () => {
  const repo = await makeRepo();
  try {
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), "version: [\n");
    const store = new ProposalStore({ policiesDir: repo.policies });
    for (let i = 0; i < 7; i++) {
      const res = await store.submit({
        policy: "team",
        ruleName: `p${i}`,
        rule: probe(`/repos/o/r${i}/**`),
        rationale: "r",
        sandbox: "sb-honest",
      });
      assert.equal(res.accepted, false);
      assert.match(
        JSON.stringify(res),
        /outside_org_ceiling/,
        "the ceiling's refusal, never a hold",
      );
    }
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile ceiling probe: a gateway restart does not give a held sandbox 5 more probes", async () => {
  const repo = await makeRepo({ git: true });
  try {
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), CEILING);
    const started = () => new ProposalStore({ policiesDir: repo.policies });
    const submit = (store: ProposalStore, ruleName: string, rule: NetworkRule) =>
      store.submit({ policy: "team", ruleName, rule, rationale: "r", sandbox: "sb-probe" });
    // Three refusals, then a restart (a new store on the same directory), then two more.
    let store = started();
    for (let i = 0; i < 3; i++) await submit(store, `p${i}`, probe(`/repos/o/r${i}/**`));
    store = started();
    for (let i = 3; i < 5; i++) {
      const res = await submit(store, `p${i}`, probe(`/repos/o/r${i}/**`));
      assert.match(JSON.stringify(res), /outside_org_ceiling/);
    }
    // Five in the window across the restart: held, before and after another restart.
    for (const restart of [false, true]) {
      if (restart) store = started();
      const held = await submit(store, "inside", INSIDE);
      assert.equal(held.accepted === false && held.code, "too_many_refusals", `restart ${restart}`);
    }
    // Another sandbox is not held by them.
    const other = await store.submit({
      policy: "team",
      ruleName: "inside",
      rule: INSIDE,
      rationale: "r",
      sandbox: "sb-honest",
    });
    assert.ok(other.accepted, JSON.stringify(other));
    // The count is the gateway's own: never in what a remote-backed store commits.
    const status = await repo.git("status", "--porcelain", "--untracked-files=all");
    assert.doesNotMatch(status, /refusals/);
  } finally {
    await repo.cleanup();
  }
});
