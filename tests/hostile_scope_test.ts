/**
 * A hostile agent against scoped approvals: a rule name that is also a key inside other rules.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseRuleLeases } from "../proxy/policy/mod.ts";
import { TEAM_POLICY } from "./gateway_fixtures.ts";
import { withProposalDesk } from "./support/mod.ts";

function putBody(ruleName: string, path: string): string {
  const rule = {
    endpoints: [{
      host: "api.github.com",
      port: 443,
      protocol: "rest",
      rules: [{ allow: { method: "PUT", path } }],
    }],
    binaries: [{ path: "/usr/bin/curl" }],
  };
  return JSON.stringify({ intent_summary: "x", operations: [{ addRule: { ruleName, rule } }] });
}

Deno.test("hostile scope: a rule named like a rule's own key (binaries) gets its lease comment and its removal", async () => {
  await withProposalDesk(async ({ repo, store, policyLocal }) => {
    const ids: string[] = [];
    for (const [name, path] of [["good_rule", "/a"], ["binaries", "/b"]]) {
      const res = await policyLocal().request("http://policy.local/v1/proposals", {
        method: "POST",
        body: putBody(name!, path!),
      });
      const [id] = (await res.json()).accepted_chunk_ids as string[];
      ids.push(id!);
      await store.approve(id!, {
        approvedBy: "alice",
        scope: { scope: "lease", forMs: 300 },
      });
    }
    const file = join(repo.policies, "team.yaml");
    const text = await Deno.readTextFile(file);
    // Before, the comment went above gh_ro's own `binaries:` line, 14 lines up.
    assert.match(text, /\n {2}# tollgate lease [^\n]*\n {2}binaries:\n/);
    assert.deepEqual([...parseRuleLeases(text).keys()].sort(), ["binaries", "good_rule"]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Before: "Removing binaries, good_rule would change more than those rules", both stayed.
    const [removed] = await store.removeEnded({ kind: "expired" });
    assert.deepEqual(removed?.rules, ["binaries", "good_rule"]);
    assert.equal(
      (await Deno.readTextFile(file)).replace(/# tollgate-revision: \d+/, "revision: 3"),
      TEAM_POLICY,
    );
  });
});
