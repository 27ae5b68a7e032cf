import assert from "node:assert/strict";
import { join } from "node:path";
import {
  GatewayClient,
  GatewayError,
  MAX_EVENT_TEXT_BYTES,
  policyUpdated,
  ProposalStore,
  type PublishedPolicy,
  type RunningGateway,
  type ServerSentEvent,
  startGateway,
  subscribePolicy,
} from "../gateway/mod.ts";
import { parsePolicy, policyFromJson } from "../proxy/policy/mod.ts";
import { curl, startTestProxy, startTestUpstreams } from "./support/mod.ts";
import { makeRepo, putProposal, TEAM_POLICY, type TempRepo } from "./gateway_fixtures.ts";

/** `client` speaks with a proxy credential for "team"; `reviewer` with alice's. */
async function withGateway(
  fn: (
    repo: TempRepo,
    gw: RunningGateway,
    client: GatewayClient,
    reviewer: GatewayClient,
  ) => Promise<void>,
) {
  const repo = await makeRepo();
  const state = join(repo.root, ".tollgate");
  const gw = await startGateway({
    policiesDir: repo.policies,
    stateDir: state,
    listen: "127.0.0.1:0",
  });
  try {
    const { token } = await gw.credentials.enrolProxy("team");
    const alice = await gw.credentials.addReviewer("alice");
    await fn(
      repo,
      gw,
      new GatewayClient({ url: gw.url, token, waitSeconds: 5 }),
      new GatewayClient({ url: gw.url, token: alice, waitSeconds: 5 }),
    );
  } finally {
    await gw.close();
    await repo.cleanup();
  }
}

/** Collect stream events in the background until `stop` aborts. */
function collect(
  client: GatewayClient,
  stop: AbortSignal,
): { events: ServerSentEvent[]; done: Promise<void> } {
  const events: ServerSentEvent[] = [];
  const done = (async () => {
    try {
      for await (const e of client.events(stop)) events.push(e);
    } catch (error) {
      if (!stop.aborted) throw error;
    }
  })();
  return { events, done };
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

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
    await until(() => stream.events.some((e) => e.event === "ready"), "ready");
    const submitted = await client.submit(putProposal());
    assert.ok(submitted.accepted);
    const id = submitted.proposal.id;
    assert.equal((await client.status(id))?.status, "pending");
    const approved = await reviewer.approve(id);
    assert.equal(approved.revision, 4);
    assert.equal((await client.wait(id, stop.signal))?.status, "approved");
    assert.equal((await client.policy("team"))?.revision, 4);
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
    await until(
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

Deno.test("subscribePolicy() delivers manual edits (git am, git pull) and skips invalid files", async () => {
  await withGateway(async (repo, _gw, client) => {
    const stop = new AbortController();
    const seen: number[] = [];
    const running = subscribePolicy(
      client,
      "team",
      (_text, v) => void seen.push(v.revision),
      stop.signal,
    );
    await until(() => seen.length === 1, "initial policy");
    const file = join(repo.policies, "team.yaml");
    await Deno.writeTextFile(file, "version: 1\nnetwork_policies: {bad\n");
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(seen, [3]);
    await Deno.writeTextFile(file, TEAM_POLICY.replace("revision: 3", "revision: 10"));
    await until(() => seen.includes(10), "revision 10");
    stop.abort();
    await running;
    assert.deepEqual(seen, [3, 10]);
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
      const submitted = await client.submit(putProposal());
      assert.ok(submitted.accepted);
      await reviewer.approve(submitted.proposal.id);
      await until(() => proxy.holder.current().revision === 4, "proxy at revision 4");
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
    await until(() => stream.events.some((e) => e.event === "ready"), "ready");
    const submitted = await client.submit(putProposal());
    assert.ok(submitted.accepted);
    const id = submitted.proposal.id;
    await repo.git("am", "--quiet", join("policies", "pending", `${id}.patch`));
    await until(
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

/** A client that counts its policy fetches. */
class CountingClient extends GatewayClient {
  fetches = 0;
  override policy(name: string, signal?: AbortSignal): Promise<PublishedPolicy | undefined> {
    this.fetches++;
    return super.policy(name, signal);
  }
}

Deno.test("subscribePolicy() applies the text a policy.updated event carries, without a GET", async () => {
  await withGateway(async (repo, gw, client, reviewer) => {
    const stop = new AbortController();
    const stream = collect(client, stop.signal);
    const { token } = await gw.credentials.enrolProxy("team");
    const counting = new CountingClient({ url: gw.url, token });
    const seen: { text: string; revision: number; json?: string }[] = [];
    const running = subscribePolicy(
      counting,
      "team",
      (text, v) => void seen.push({ text, revision: v.revision, json: v.json }),
      stop.signal,
    );
    await until(() => seen.length === 1, "initial policy");
    assert.equal(counting.fetches, 1);
    const submitted = await client.submit(putProposal());
    assert.ok(submitted.accepted);
    await reviewer.approve(submitted.proposal.id);
    await until(() => seen.length === 2, "approved policy");
    const onDisk = await Deno.readTextFile(join(repo.policies, "team.yaml"));
    assert.equal(seen[1]?.revision, 4);
    assert.equal(seen[1]?.text, onDisk);
    // The validated policy rides along as JSON: the proxy validates it instead of the YAML.
    assert.deepEqual(policyFromJson(seen[1]?.json ?? ""), parsePolicy(onDisk, "team.yaml").policy);
    assert.equal(counting.fetches, 1);
    const update = stream.events.find((e) => e.event === "policy.updated");
    assert.equal(JSON.parse(update?.data ?? "{}").text, onDisk);
    stop.abort();
    await Promise.all([running, stream.done]);
  });
});

Deno.test("policyUpdated() leaves out a text over the size cap", () => {
  const snapshot = { name: "team", revision: 1, hash: "ab" };
  const small = policyUpdated({ ...snapshot, text: "version: 1\n" });
  assert.deepEqual(small.data, { ...snapshot, text: "version: 1\n" });
  // Multi-byte characters count by their UTF-8 size.
  const big = policyUpdated({ ...snapshot, text: "é".repeat(MAX_EVENT_TEXT_BYTES / 2 + 1) });
  assert.deepEqual(big.data, snapshot);
  const edge = "é".repeat(MAX_EVENT_TEXT_BYTES / 2);
  assert.equal(policyUpdated({ ...snapshot, text: edge }).data.text, edge);
});
