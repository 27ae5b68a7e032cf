/**
 * A hostile agent in sandbox A spending the `once` rule a person granted to sandbox B of the same
 * policy. Before, a once rule served every proxy of its policy: A's request took B's one request
 * (its proxy then reported the use, and the rule left the file before B retried), and A's proxy
 * credential could report B's rule as used at `POST /v1/leases/:rule/used`. Now the rule's lease
 * names the proposing sandbox; only that sandbox's proxy allows it and only its report ends it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore, startGateway } from "../gateway/mod.ts";
import { parseRuleLeases } from "../proxy/policy/mod.ts";
import { startProxyService } from "../proxy/mod.ts";
import { curlArgs, waitFor } from "./support/mod.ts";
import { makeRepo } from "./gateway_fixtures.ts";

const LOCAL = "http://policy.local";
const RULE = {
  endpoints: [{ host: "cache.example.com", port: 8080 }],
  binaries: [{ path: "/usr/bin/curl" }],
};

const revisionOf = async (proxy: string[]) =>
  JSON.parse((await curlArgs([...proxy, `${LOCAL}/v1/policy/current`])).body).revision;

Deno.test("hostile once: sandbox A's proxy does not allow (nor spend) the once rule granted to sandbox B", async () => {
  const repo = await makeRepo();
  await using origin = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("cached"),
  );
  const store = new ProposalStore({ policiesDir: repo.policies });
  const options = {
    policy: "team",
    policiesDir: repo.policies,
    stateDir: join(repo.root, ".tollgate"),
    sink: store,
    resolve: [`cache.example.com:8080:127.0.0.1:${origin.addr.port}`],
  };
  const a = await startProxyService({ ...options, sandboxId: "sb-agent-a" });
  const b = await startProxyService({ ...options, sandboxId: "sb-agent-b" });
  const viaA = ["-x", `http://127.0.0.1:${a.port}`];
  const viaB = ["-x", `http://127.0.0.1:${b.port}`];
  try {
    const body = JSON.stringify({
      intent_summary: "fetch the cache once",
      operations: [{ addRule: { ruleName: "cache_once", rule: RULE } }],
    });
    const submitted = await curlArgs([...viaB, "--data-binary", body, `${LOCAL}/v1/proposals`]);
    const [id] = JSON.parse(submitted.body).accepted_chunk_ids;
    assert.ok(id, submitted.body);
    const before = await revisionOf(viaA);
    await store.approve(id, { approvedBy: "alice", scope: { scope: "once" } });
    const text = await Deno.readTextFile(join(repo.policies, "team.yaml"));
    // A rule bound to one sandbox is written under a key of its own (scopedRuleKey).
    const key = /^ {2}(cache_once__[a-z0-9]+):$/m.exec(text)?.[1] ?? "";
    assert.equal(parseRuleLeases(text).get(key)?.sandbox, "sb-agent-b");
    for (const proxy of [viaA, viaB]) {
      await waitFor(async () => await revisionOf(proxy) > before, "both proxies reloaded");
    }
    const stolen = await curlArgs([...viaA, "http://cache.example.com:8080/"]);
    assert.equal(stolen.status, 403, `A spent B's once rule: ${stolen.body}`);
    const own = await curlArgs([...viaB, "http://cache.example.com:8080/"]);
    assert.equal(own.status, 200, own.body);
    assert.equal(own.body, "cached");
    const again = await curlArgs([...viaB, "http://cache.example.com:8080/"]);
    assert.equal(again.status, 403, "once means once");
  } finally {
    await a.close();
    await b.close();
    await repo.cleanup();
  }
});

Deno.test("hostile once: another sandbox's proxy credential cannot report a once rule as used", async () => {
  const repo = await makeRepo();
  const gw = await startGateway({
    policiesDir: repo.policies,
    stateDir: join(repo.root, ".tollgate"),
    listen: "127.0.0.1:0",
  });
  try {
    const [a, b] = [
      await gw.credentials.enrolProxy("team"),
      await gw.credentials.enrolProxy("team"),
    ];
    const alice = await gw.credentials.addReviewer("alice");
    const call = async (token: string, path: string, body: unknown) => {
      const res = await fetch(gw.url + path, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: await res.json() };
    };
    const rule = { ruleName: "cache_once", rule: RULE, rationale: "once" };
    const submitted = await call(b.token, "/v1/proposals", { policy: "team", ...rule });
    const proposal = submitted.json.proposal as { id: string };
    assert.ok(proposal?.id, JSON.stringify(submitted.json));
    const approved = await call(alice, `/v1/proposals/${proposal.id}/approve`, { scope: "once" });
    assert.equal(approved.status, 200, JSON.stringify(approved.json));
    const expires = approved.json.expires;
    const text = () => Deno.readTextFile(join(repo.policies, "team.yaml"));
    // A rule bound to one sandbox is written under a key of its own (scopedRuleKey).
    const key = /^ {2}(cache_once__[a-z0-9]+):$/m.exec(await text())?.[1];
    assert.ok(key, await text());
    const byA = await call(a.token, `/v1/leases/${key}/used`, { expires });
    assert.equal(byA.status, 200, JSON.stringify(byA.json));
    assert.deepEqual(byA.json.removed, [], "A's report ended B's once rule");
    assert.match(await text(), /cache_once__/);
    const byB = await call(b.token, `/v1/leases/${key}/used`, { expires });
    assert.equal((byB.json.removed as unknown[]).length, 1, JSON.stringify(byB.json));
    assert.doesNotMatch(await text(), /cache_once__/);
  } finally {
    await gw.close();
    await repo.cleanup();
  }
});
