/**
 * A hostile agent against auto-approval as a way past a person's "no". A fitting rule waits for
 * a person when the sandbox's hourly auto-approvals are spent; a person rejects it; an hour on,
 * the agent submits it again (in any spelling). Before, that resubmit was approved without a
 * person: the automation overrode the person's decision. A rule a person revoked came back at the
 * agent's next submit. Now a rule a person rejected or revoked for the policy waits for a person
 * again, whichever sandbox asks; other fitting rules still pass.
 */
import assert from "node:assert/strict";
import { ProposalStore } from "../gateway/mod.ts";
import type { ProposalInput } from "../proxy/policy_local/mod.ts";
import { putProposal } from "./gateway_fixtures.ts";
import { autoApproveRepo } from "./automation_fixtures.ts";

function put(path: string, sandbox: string, ruleName = "put_file"): ProposalInput {
  const input = { ...putProposal("write a file"), ruleName, sandbox };
  input.rule.endpoints[0]!.rules = [{ allow: { method: "PUT", path } }];
  return input;
}

Deno.test("hostile auto-rejected: a rule a person rejected is not auto-approved later", async () => {
  const repo = await autoApproveRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    for (let i = 0; i < 20; i++) {
      const r = await store.submit(put(`/repos/o/r/contents/f${i}`, "sb-a", `put_${i}`));
      assert.ok(r.accepted && r.proposal.status === "approved", JSON.stringify(r));
    }
    const asked = await store.submit(put("/repos/o/r/contents/secret.md", "sb-a"));
    assert.ok(asked.accepted && asked.proposal.status === "pending", JSON.stringify(asked));
    await store.reject(asked.proposal.id, { reason: "not that file", rejectedBy: "alice" });
    // An hour on, the sandbox's auto-approvals have left the window.
    const later = new Date(Date.now() + 61 * 60_000);
    const next = new ProposalStore({ policiesDir: repo.policies, now: () => later });
    const again = [
      put("/repos/o/r/contents/secret.md", "sb-a"),
      put("/repos/o/r/contents/secret.md", "sb-a", "another_name"),
      put("/repos/o/r/contents/secret.md", "sb-c"),
    ];
    for (const input of again) {
      const r = await next.submit(input);
      // Before: approved, by "auto (…)".
      assert.ok(r.accepted && r.proposal.status === "pending", JSON.stringify(r));
    }
    const other = await next.submit(put("/repos/o/r/contents/readme.md", "sb-a"));
    assert.ok(other.accepted && other.proposal.status === "approved", JSON.stringify(other));
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile auto-rejected: a rule a person revoked is not auto-approved again", async () => {
  const repo = await autoApproveRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const first = await store.submit(put("/repos/o/r/contents/x.md", "sb-a"));
    assert.ok(first.accepted && first.proposal.status === "approved", JSON.stringify(first));
    await store.removeEnded({ kind: "revoke", ruleKey: "put_file", policy: "team", by: "alice" });
    const again = await store.submit(put("/repos/o/r/contents/x.md", "sb-a", "put_again"));
    // Before: approved, by "auto (…)", one submit after the person took it away.
    assert.ok(again.accepted && again.proposal.status === "pending", JSON.stringify(again));
    const other = await store.submit(put("/repos/o/r/contents/readme.md", "sb-a", "put_readme"));
    assert.ok(other.accepted && other.proposal.status === "approved", JSON.stringify(other));
  } finally {
    await repo.cleanup();
  }
});
