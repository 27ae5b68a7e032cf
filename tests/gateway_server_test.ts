/**
 * A running gateway end to end: its token and listen address, the client's submit, approve and
 * reject with the stream reporting each step, an approval reaching a real proxy, and a patch
 * applied by hand with git am.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { GatewayError, ProposalStore, startGateway, subscribePolicy } from "../gateway/mod.ts";
import { curl, startTestProxy, startTestUpstreams, waitFor } from "./support/mod.ts";
import { putProposal, submitted, TEAM_POLICY } from "./gateway_fixtures.ts";
import { collect, withGateway } from "./gateway_server_fixtures.ts";

Deno.test("startGateway() guards its API with a 0600 bearer token and loopback only", async () => {
  const dir = await Deno.makeTempDir();
  const refusals: [string, RegExp][] = [
    ["0.0.0.0:80", /^TypeError: .*loopback only$/],
    ["nonsense", /^TypeError: .*expected HOST:PORT$/],
  ];
  for (const [listen, refusal] of refusals) {
    await assert.rejects(() => startGateway({ policiesDir: dir, stateDir: dir, listen }), refusal);
  }
  await Deno.remove(dir, { recursive: true });
  await withGateway(async (repo, gw) => {
    const alice = await gw.credentials.addReviewer("alice2");
    const stat = await Deno.stat(join(repo.root, ".tollgate", "gateway.token"));
    assert.equal((stat.mode ?? 0) & 0o777, 0o600);
    for (const auth of [undefined, "Bearer wrong", `Basic ${gw.token}`]) {
      const res = await fetch(`${gw.url}/v1/policies`, {
        headers: auth ? { authorization: auth } : {},
      });
      await res.body?.cancel();
      assert.equal(res.status, 401);
    }
    const ok = await fetch(`${gw.url}/v1/policies`, {
      headers: { authorization: `Bearer ${alice}` },
    });
    assert.deepEqual(
      (await ok.json()).policies.map((
        p: { name: string; revision: number },
      ) => [p.name, p.revision]),
      [["team", 3]],
    );
    const bad = await fetch(`${gw.url}/v1/proposals/..%2F..%2Fetc/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice}` },
      body: "{}",
    });
    await bad.body?.cancel();
    assert.equal(bad.status, 400);
  });
});

Deno.test("GatewayClient submits, approves and rejects; the stream reports each step", async () => {
  await withGateway(async (repo, _gw, client, reviewer) => {
    const stop = new AbortController();
    const stream = collect(reviewer, stop.signal);
    await waitFor(() => stream.events.some((e) => e.event === "ready"), "ready");
    const id = await submitted(client);
    assert.equal((await client.status(id))?.status, "pending");
    const approved = await reviewer.approve(id);
    assert.equal(approved.revision, 4);
    assert.equal((await client.wait(id, stop.signal))?.status, "approved");
    const served = await client.policy("team");
    assert.equal(served?.revision, 4);
    // The text, not the gateway's in-process policy object (every rule again) or its notes.
    assert.deepEqual(Object.keys(served!).sort(), ["hash", "name", "revision", "text"]);
    await assert.rejects(
      reviewer.approve(id),
      (e: unknown) => e instanceof GatewayError && e.status === 409,
    );
    const second = await client.submit({ ...putProposal(), ruleName: "other" });
    assert.ok(second.accepted);
    const waiting = client.wait(second.proposal.id, stop.signal);
    // Decided by another process's store (the CLI), seen by the gateway's watch.
    await new ProposalStore({ policiesDir: repo.policies }).reject(second.proposal.id, {
      reason: "not needed",
      guidance: "wrong_endpoint",
    });
    const rejected = await waiting;
    assert.equal(rejected?.status, "rejected");
    assert.equal(rejected?.rejectionReason, "not needed");
    await waitFor(
      () => stream.events.filter((e) => e.event === "proposal.decided").length === 2,
      "decided events",
    );
    stop.abort();
    await stream.done;
    const kinds = stream.events.map((e) => e.event);
    assert.ok(kinds.includes("proposal.created"));
    const updates = stream.events.filter((e) => e.event === "policy.updated").map((e) =>
      JSON.parse(e.data)
    );
    assert.equal(updates.length, 1);
    assert.equal(updates[0].name, "team");
    assert.equal(updates[0].revision, 4);
    assert.match(updates[0].hash, /^[0-9a-f]{64}$/);
    assert.equal(await client.status("p-20990101T000000-aaaaaa"), undefined);
  });
});

Deno.test("an approval reaches a real proxy through the event stream", async () => {
  const upstreams = await startTestUpstreams();
  const proxy = await startTestProxy({ policy: TEAM_POLICY, upstreams });
  try {
    await withGateway(async (_repo, _gw, client, reviewer) => {
      const options = {
        proxyPort: proxy.port,
        caPath: proxy.caPath,
        args: ["-X", "PUT", "-d", "{}"],
      };
      const url = "https://api.github.com/repos/o/r/contents/x.md";
      assert.equal((await curl([url], options)).status, 403);
      const stop = new AbortController();
      const running = subscribePolicy(client, "team", (text) => {
        const result = proxy.holder.update(text);
        if (!result.ok) throw new Error("invalid policy");
      }, stop.signal);
      await reviewer.approve(await submitted(client));
      await waitFor(() => proxy.holder.current().revision === 4, "proxy at revision 4");
      const retry = await curl([url], options);
      assert.equal(retry.status, 200, retry.body);
      stop.abort();
      await running;
    });
  } finally {
    await proxy.close();
    await upstreams.close();
  }
});

Deno.test("a running gateway settles a proposal applied with git am and reports it", async () => {
  await withGateway(async (repo, _gw, client, reviewer) => {
    const stop = new AbortController();
    const stream = collect(reviewer, stop.signal);
    await waitFor(() => stream.events.some((e) => e.event === "ready"), "ready");
    const id = await submitted(client);
    await repo.git("am", "--quiet", join("policies", "pending", `${id}.patch`));
    await waitFor(
      () =>
        stream.events.some((e) => e.event === "proposal.decided" && JSON.parse(e.data).id === id),
      "proposal.decided",
    );
    assert.ok(stream.events.some((e) => e.event === "policy.updated"));
    stop.abort();
    await stream.done;
    await Deno.stat(join(repo.policies, "approved", `${id}.patch`));
  });
});
