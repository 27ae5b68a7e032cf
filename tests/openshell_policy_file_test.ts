/**
 * Issue #14, item 16: a policy file Tollgate writes or ships has only the top-level keys
 * OpenShell's parser accepts (`openshell-policy/src/lib.rs`); the revision is a comment.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { loadPolicyText } from "../proxy/policy/mod.ts";
import { TEAM_POLICY } from "./gateway_fixtures.ts";
import { submit, withProxy } from "./openshell_fixtures.ts";

/** `PolicyFile` in openshell-policy/src/lib.rs: `deny_unknown_fields` over these keys. */
const OPENSHELL_TOP_KEYS = [
  "version",
  "filesystem_policy",
  "landlock",
  "process",
  "network_policies",
  "network_middlewares",
];

Deno.test("openshell #16: an approved policy has only keys OpenShell's parser accepts; the revision is a comment", () =>
  withProxy(async (h) => {
    const id = await submit(h);
    const result = await h.store.approve(id, { approvedBy: "alice" });
    const text = await Deno.readTextFile(join(h.repo.policies, "team.yaml"));
    for (const key of Object.keys(parse(text))) {
      assert.ok(OPENSHELL_TOP_KEYS.includes(key), `OpenShell refuses top-level key "${key}"`);
    }
    // The old `revision: 3` key was migrated in place, and the counter still counts.
    assert.match(text, /^version: 1\n# tollgate-revision: 4\n/m);
    assert.equal(result.revision, 4);
    assert.equal(loadPolicyText(text, "team.yaml").policy.revision, 4);
    // The proxy reloads from its file watch: wait for it rather than read before it has.
    let revision: unknown;
    for (const deadline = Date.now() + 10_000; revision !== 4 && Date.now() < deadline;) {
      revision = (await h.call("/v1/policy/current")).json.revision;
      if (revision !== 4) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(revision, 4, "the proxy serves the approved revision");
  }));

Deno.test("openshell #16: a file with a legacy revision key still loads at its revision; shipped policies have none", async () => {
  assert.equal(loadPolicyText(TEAM_POLICY, "team.yaml").policy.revision, 3);
  const dir = new URL("../policies/", import.meta.url);
  const files = [
    "demo.yaml",
    ...[...Deno.readDirSync(new URL("examples/", dir))].map((e) => `examples/${e.name}`),
  ];
  // auto_approve.yaml holds Tollgate's auto-approval patterns, not a policy OpenShell loads.
  const policies = files.filter((f) => f.endsWith(".yaml") && f !== "examples/auto_approve.yaml");
  for (const name of policies) {
    const text = await Deno.readTextFile(new URL(name, dir));
    for (const key of Object.keys(parse(text))) {
      assert.ok(OPENSHELL_TOP_KEYS.includes(key), `${name}: OpenShell refuses "${key}"`);
    }
  }
});
