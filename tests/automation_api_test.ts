/**
 * #17 item 5 on the gateway API: approve with a scope, leases list/revoke, a proxy's report of
 * a used once-rule, the ceiling check (reviewers only), and the review preview under the
 * ceiling.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type RunningGateway, startGateway } from "../gateway/mod.ts";
import { loadPolicyText } from "../proxy/policy/mod.ts";
import { makeRepo, putProposal, type TempRepo } from "./gateway_fixtures.ts";
import { scopedRepo, scopedRule } from "./automation_fixtures.ts";

interface Api {
  repo: TempRepo;
  gw: RunningGateway;
  /** The sandbox id the proxy credential was enrolled as. */
  sandbox: string;
  /** Call the API with the proxy's (`proxy`) or the reviewer's (`alice`) credential. */
  call(
    who: "proxy" | "alice",
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }>;
}

async function withApi(repo: TempRepo, fn: (api: Api) => Promise<void>): Promise<void> {
  const state = join(repo.root, ".tollgate");
  const gw = await startGateway({
    policiesDir: repo.policies,
    stateDir: state,
    listen: "127.0.0.1:0",
  });
  try {
    const enrolled = await gw.credentials.enrolProxy("team");
    const tokens = {
      proxy: enrolled.token,
      alice: await gw.credentials.addReviewer("alice"),
    };
    const call: Api["call"] = async (who, method, path, body) => {
      const response = await fetch(gw.url + path, {
        method,
        headers: { authorization: `Bearer ${tokens[who]}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, json: await response.json() };
    };
    await fn({ repo, gw, call, sandbox: enrolled.sandbox });
  } finally {
    await gw.close();
    await repo.cleanup();
  }
}

const CEILING_NO_PUT = `version: 1
network_policies:
  github:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
`;

Deno.test("automation #17.5 API: approve takes scope and for from a reviewer, and the lease shows in the agent's status", async () => {
  await withApi(await makeRepo(), async ({ repo, call }) => {
    const submitted = await call("proxy", "POST", "/v1/proposals", putProposal());
    const id = (submitted.json.proposal as { id: string }).id;
    const bad = await call("alice", "POST", `/v1/proposals/${id}/approve`, { scope: "forever" });
    assert.equal(bad.status, 400);
    const ok = await call("alice", "POST", `/v1/proposals/${id}/approve`, {
      scope: "lease",
      for: "2h",
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(ok.json.scope, "lease");
    const left = Date.parse(String(ok.json.expires)) - Date.now();
    assert.ok(left > 7_100_000 && left <= 7_200_000, String(left));
    assert.match(await repo.git("log", "-1", "--format=%B"), /Scope: lease/);
    const status = await call("proxy", "GET", `/v1/proposals/${id}`);
    assert.equal(status.json.scope, "lease");
  });
});

Deno.test("automation #17.5 API: leases list for readers, revoke for reviewers only, once-use reports from the proxy", async () => {
  const future = Date.now() + 3_600_000;
  const repo = await scopedRepo([
    scopedRule("leased", { scope: "lease", expiresAt: future }),
    scopedRule("one_shot", { scope: "once", expiresAt: future }, "/o"),
  ]);
  await withApi(repo, async ({ call }) => {
    const list = await call("proxy", "GET", "/v1/leases");
    assert.equal(list.status, 200);
    const rules = (list.json.leases as { rule: string }[]).map((l) => l.rule);
    assert.deepEqual(rules, ["leased", "one_shot"]);
    const denied = await call("proxy", "POST", "/v1/leases/leased/revoke", {});
    assert.equal(denied.status, 403);
    const revoked = await call("alice", "POST", "/v1/leases/leased/revoke", {});
    assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
    assert.match(
      await repo.git("log", "-1", "--format=%B"),
      /Removed-By: revoked\n.*\n.*\nRevoked-By: alice/,
    );
    const missing = await call("alice", "POST", "/v1/leases/gh_ro/revoke", {});
    assert.equal(missing.status, 404);
    // A reviewer does not report uses; the proxy does, for its own policy's once rule.
    assert.equal((await call("alice", "POST", "/v1/leases/one_shot/used", {})).status, 403);
    const expires = new Date(future).toISOString();
    const used = await call("proxy", "POST", "/v1/leases/one_shot/used", { expires });
    assert.equal(used.status, 200, JSON.stringify(used.json));
    assert.match(await repo.git("log", "-1", "--format=%B"), /Removed-By: once/);
    const text = await Deno.readTextFile(join(repo.policies, "team.yaml"));
    assert.deepEqual(Object.keys(loadPolicyText(text, "t.yaml").policy.network_policies), [
      "gh_ro",
    ]);
  });
});

Deno.test("automation #17.5 API: the ceiling check names the first grant outside for a reviewer, and is refused to a proxy", async () => {
  await withApi(await makeRepo(), async ({ repo, call }) => {
    const none = await call("alice", "GET", "/v1/ceiling/check?policy=team");
    assert.equal(none.status, 200);
    assert.equal(none.json.ceiling, "none");
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), CEILING_NO_PUT);
    const fits = await call("alice", "GET", "/v1/ceiling/check?policy=team");
    assert.deepEqual(fits.json.policies, [{ policy: "team", inside: true }]);
    await Deno.writeTextFile(
      join(repo.policies, "ceiling.yaml"),
      CEILING_NO_PUT.replace("access: read-only", "rules: [{ allow: { method: GET, path: /** } }]"),
    );
    const outside = await call("alice", "GET", "/v1/ceiling/check");
    const [team] = outside.json.policies as { inside: boolean; outside: string }[];
    assert.equal(team?.inside, false);
    assert.match(team!.outside, /^rule "gh_ro" grants .*OPTIONS .*outside the org ceiling$/);
    const proxy = await call("proxy", "GET", "/v1/ceiling/check?policy=team");
    assert.equal(proxy.status, 403);
    assert.doesNotMatch(JSON.stringify(proxy.json), /read-only|github/);
  });
});

Deno.test("automation #17.2: the review preview and the agent's status say approval would refuse a proposal the ceiling no longer holds", async () => {
  await withApi(await makeRepo(), async ({ repo, call }) => {
    const submitted = await call("proxy", "POST", "/v1/proposals", putProposal());
    const id = (submitted.json.proposal as { id: string }).id;
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), CEILING_NO_PUT);
    const status = await call("proxy", "GET", `/v1/proposals/${id}`);
    assert.match(String(status.json.applicationError), /outside_org_ceiling/);
    assert.equal(status.json.candidatePolicyHash, "");
    assert.doesNotMatch(JSON.stringify(status.json), /read-only|"github"/);
    const review = await call("alice", "GET", `/v1/proposals/${id}/review`);
    assert.match(String(review.json.application_error), /outside_org_ceiling/);
  });
});

Deno.test("automation #17.4 API: a proxy retiring its sandbox ends that sandbox's session rules with a commit", async () => {
  const repo = await scopedRepo([scopedRule("other", { scope: "session", sandbox: "sb-other" })]);
  await withApi(repo, async ({ call, sandbox }) => {
    const file = join(repo.policies, "team.yaml");
    const text = await Deno.readTextFile(file);
    const mine = scopedRule("mine", { scope: "session", sandbox }, "/m");
    await Deno.writeTextFile(
      file,
      text.replace("\nfilesystem_policy:", `${mine}\nfilesystem_policy:`),
    );
    await repo.git("commit", "-qam", "session rule");
    const retired = await call("proxy", "DELETE", `/v1/sandboxes/${sandbox}`);
    assert.equal(retired.status, 200);
    const log = await repo.git("log", "-1", "--format=%B");
    assert.match(log, /remove mine \(session \S+ ended\)/);
    assert.match(log, /Removed-By: session-ended/);
    const keys = Object.keys(
      loadPolicyText(await Deno.readTextFile(file), "t.yaml").policy.network_policies,
    );
    assert.deepEqual(keys, ["gh_ro", "other"]);
  });
});
