/**
 * A hostile agent in a netns sandbox reading other sandboxes' proposals in the policy repository
 * (README Known limits, round 2): policy.local shows a sandbox only its own, but the repository
 * was bound read-only whole, so `cat policies/pending/*.patch` printed every sandbox's rule and
 * rationale, and `approved/`, `rejected/` (with the reviewers' reasons) and `.git` the rest. Now
 * the policies directory and the repository's git directories are covered by empty folders in a
 * netns sandbox, its own and its gateway's; the agent's own status and policy still come from
 * policy.local. Run through the real CLI, in the repository and linked to a real gateway.
 */
import assert from "node:assert/strict";
import { ProposalStore } from "../gateway/mod.ts";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { type PolicyRepo, withGatewaysBesideAgent } from "./support/mod.ts";

const ignore = (await detectIsolation()) !== "netns";

/** Another sandbox's proposals: one pending, one approved, one rejected, each with a secret. */
async function othersProposals(repo: PolicyRepo): Promise<void> {
  const store = new ProposalStore({ policiesDir: repo.policies });
  const ids: string[] = [];
  for (const name of ["pending", "approved", "rejected"]) {
    const rule = {
      endpoints: [{
        host: "api.github.com",
        port: 443,
        protocol: "rest" as const,
        rules: [{ allow: { method: "PUT", path: `/repos/hidden-org-${name}/x/contents/a.md` } }],
      }],
      binaries: [{ path: "/usr/bin/curl" }],
    };
    const rationale = `SECRET-RATIONALE-${name}`;
    const res = await store.submit({
      policy: "team",
      ruleName: name,
      rule,
      rationale,
      sandbox: "sb-other",
    });
    assert.ok(res.accepted, JSON.stringify(res));
    ids.push(res.proposal.id);
  }
  await store.approve(ids[1]!, { approvedBy: "alice" });
  await store.reject(ids[2]!, { reason: "SECRET-REASON-rejected", rejectedBy: "alice" });
}

/** What the agent tries from `root`'s sandbox: each result on a line `name value`. */
const ATTEMPTS = (root: string) =>
  [
    `echo "pending $(cat ${root}/policies/pending/*.patch 2>/dev/null | grep -c SECRET)"`,
    `echo "folders $(ls -A ${root}/policies/approved ${root}/policies/rejected 2>/dev/null | wc -l)"`,
    `echo "tree $(grep -rl -e SECRET -e hidden-org ${root}/policies ${root}/.git 2>/dev/null | wc -l)"`,
    `echo "history $(git -C ${root} log --all -p 2>/dev/null | grep -c hidden-org)"`,
    `echo "objects $(ls -A ${root}/.git 2>/dev/null | wc -l)"`,
    // Its own way in: a proposal of its own, its status, the live policy, all by policy.local.
    `body='{"intent_summary":"read","operations":[{"addRule":{"ruleName":"mine","rule":` +
    `{"endpoints":[{"host":"api.example.com","port":443,"protocol":"rest","access":"read-only"}],` +
    `"binaries":[{"path":"/usr/bin/curl"}]}}}]}'`,
    `id=$(curl -s --data-binary "$body" http://policy.local/v1/proposals | sed 's/.*"accepted_chunk_ids":\\["\\([^"]*\\)".*/\\1/')`,
    `echo "own $(curl -s -o /dev/null -w '%{http_code}' http://policy.local/v1/proposals/$id)"`,
    `echo "current $(curl -s http://policy.local/v1/policy/current | grep -c gh_ro)"`,
  ].join("; ");

const EXPECTED = {
  pending: "0",
  folders: "0",
  tree: "0",
  history: "0",
  objects: "0",
  own: "200",
  current: "1",
};

Deno.test({
  name:
    "hostile: a netns sandbox run in the policy repository reads no proposal there, only its own through policy.local",
  ignore,
  fn: () =>
    withGatewaysBesideAgent(0, async ({ repo, runAgent }) => {
      await othersProposals(repo);
      const out = await runAgent(ATTEMPTS(repo.root));
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(out.results, EXPECTED, out.stdout + out.stderr);
    }),
});

Deno.test({
  name:
    "hostile: a netns sandbox linked to a gateway on this machine reads none of the gateway's proposals",
  ignore,
  fn: () =>
    withGatewaysBesideAgent(1, async ({ repo, runAgent }) => {
      await othersProposals(repo);
      const out = await runAgent(ATTEMPTS(repo.root));
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(out.results, EXPECTED, out.stdout + out.stderr);
    }),
});
