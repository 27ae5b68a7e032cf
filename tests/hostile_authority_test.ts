/**
 * Issue #12, items 1 and 14: a hostile agent cannot approve its own proposal through the
 * gateway (proxy and reviewer credentials are separate and checked per route; `Approved-By`
 * names the reviewer credential's owner), nor read another sandbox's proposals or policies.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type RunningGateway, startGateway } from "../gateway/mod.ts";
import { makeRepo, putProposal, type TempRepo } from "./gateway_fixtures.ts";

const POLICY = "version: 1\nnetwork_policies: {}\n";

/** A gateway over a fresh repository, with a proxy credential for "team" and reviewer alice. */
async function withGateway(
  fn: (ctx: {
    repo: TempRepo;
    gw: RunningGateway;
    proxyToken: string;
    aliceToken: string;
    call: (token: string, method: string, path: string, body?: unknown) => Promise<Response>;
  }) => Promise<void>,
): Promise<void> {
  const repo = await makeRepo();
  const gw = await startGateway({
    policiesDir: repo.policies,
    stateDir: join(repo.root, ".tollgate"),
    listen: "127.0.0.1:0",
  });
  const call = (token: string, method: string, path: string, body?: unknown) =>
    fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  try {
    const { token: proxyToken } = await gw.credentials.enrolProxy("team");
    const aliceToken = await gw.credentials.addReviewer("alice");
    await fn({ repo, gw, proxyToken, aliceToken, call });
  } finally {
    await gw.close();
    await repo.cleanup();
  }
}

async function submitAs(
  call: (token: string, method: string, path: string, body?: unknown) => Promise<Response>,
  token: string,
): Promise<string> {
  const res = await call(token, "POST", "/v1/proposals", putProposal());
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.proposal.id;
}

Deno.test("hostile #1: a proxy credential calling approve or reject gets 403 and the proposal stays pending", () =>
  withGateway(async ({ gw, proxyToken, call }) => {
    const id = await submitAs(call, proxyToken);
    for (
      const [path, body] of [["approve", { approved_by: "alice" }], ["reject", { reason: "x" }]]
    ) {
      const res = await call(proxyToken, "POST", `/v1/proposals/${id}/${path}`, body);
      assert.equal(res.status, 403, String(path));
      assert.equal((await res.json()).error, "forbidden");
    }
    // The host's enrolment token is no reviewer either, and it cannot read proposals.
    const host = await call(gw.token, "POST", `/v1/proposals/${id}/approve`, {});
    assert.equal(host.status, 403);
    await host.body?.cancel();
    const peek = await call(gw.token, "GET", `/v1/proposals/${id}`);
    assert.equal(peek.status, 403);
    await peek.body?.cancel();
    assert.equal((await gw.store.get(id))?.state, "pending");
    // A proxy credential proposes only to its own policy.
    const other = await call(proxyToken, "POST", "/v1/proposals", {
      ...putProposal(),
      policy: "other",
    });
    assert.equal(other.status, 403);
    await other.body?.cancel();
  }));

Deno.test("hostile #1: a reviewer credential approves and Approved-By names its owner, not the body", () =>
  withGateway(async ({ repo, gw, proxyToken, aliceToken, call }) => {
    const id = await submitAs(call, proxyToken);
    const res = await call(aliceToken, "POST", `/v1/proposals/${id}/approve`, {
      approved_by: "the security team",
    });
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();
    const message = await repo.git("log", "-1", "--format=%B");
    assert.match(message, /^Approved-By: alice$/m);
    assert.doesNotMatch(message, /security team/);
    const approved = await Deno.readTextFile(join(repo.policies, "approved", `${id}.patch`));
    assert.match(approved, /^Approved-By: alice$/m);
    const log = await readLog(join(repo.root, ".tollgate", "logs"));
    assert.match(log, /CONFIG:APPROVED[^\n]*alice/);
    // A removed reviewer's token stops working at once.
    assert.equal(await gw.credentials.removeReviewer("alice"), true);
    const gone = await call(aliceToken, "GET", "/v1/proposals");
    assert.equal(gone.status, 401);
    await gone.body?.cancel();
  }));

Deno.test("hostile #14: a proxy credential reads only its own sandbox's proposals and policy", () =>
  withGateway(async ({ gw, proxyToken, aliceToken, call }) => {
    const id = await submitAs(call, proxyToken);
    const { token: other } = await gw.credentials.enrolProxy("team");
    for (const path of [`/v1/proposals/${id}`, `/v1/proposals/${id}/wait?timeout=1`]) {
      const res = await call(other, "GET", path);
      assert.equal(res.status, 404, path);
      await res.body?.cancel();
    }
    const listed = await (await call(other, "GET", "/v1/proposals")).json();
    assert.deepEqual(listed.proposals, []);
    const own = await (await call(proxyToken, "GET", `/v1/proposals/${id}`)).json();
    assert.equal(own.status, "pending");
    const all = await (await call(aliceToken, "GET", "/v1/proposals")).json();
    assert.equal(all.proposals.length, 1);
    await Deno.writeTextFile(join(gw.store.policiesDir, "secret.yaml"), POLICY);
    await new Promise((r) => setTimeout(r, 300));
    const policies = await (await call(other, "GET", "/v1/policies")).json();
    assert.deepEqual(policies.policies.map((p: { name: string }) => p.name), ["team"]);
    const secret = await call(other, "GET", "/v1/policies/secret");
    assert.equal(secret.status, 404);
    await secret.body?.cancel();
  }));

async function readLog(dir: string): Promise<string> {
  let text = "";
  for await (const entry of Deno.readDir(dir)) {
    if (/^ocsf\..*\.jsonl$/.test(entry.name)) {
      text += await Deno.readTextFile(join(dir, entry.name));
    }
  }
  const { parseOcsfLine, renderShorthand } = await import("../proxy/ocsf/mod.ts");
  return text.trim().split("\n").map((l) => renderShorthand(parseOcsfLine(l)!)).join("\n");
}
