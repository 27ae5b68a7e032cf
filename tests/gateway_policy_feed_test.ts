/**
 * The policy feed: subscribePolicy() delivers manual edits and the text a policy.updated event
 * carries, skipping invalid files; policyUpdated() leaves out a text over the size cap.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  GatewayClient,
  MAX_EVENT_TEXT_BYTES,
  policyUpdated,
  type PublishedPolicy,
  subscribePolicy,
} from "../gateway/mod.ts";
import { parsePolicy, policyFromJson } from "../proxy/policy/mod.ts";
import { waitFor } from "./support/mod.ts";
import { submitted, TEAM_POLICY } from "./gateway_fixtures.ts";
import { collect, withGateway } from "./gateway_server_fixtures.ts";

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
    await waitFor(() => seen.length === 1, "initial policy");
    const file = join(repo.policies, "team.yaml");
    await Deno.writeTextFile(file, "version: 1\nnetwork_policies: {bad\n");
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(seen, [3]);
    await Deno.writeTextFile(file, TEAM_POLICY.replace("revision: 3", "revision: 10"));
    await waitFor(() => seen.includes(10), "revision 10");
    stop.abort();
    await running;
    assert.deepEqual(seen, [3, 10]);
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
    await waitFor(() => seen.length === 1, "initial policy");
    assert.equal(counting.fetches, 1);
    await reviewer.approve(await submitted(client));
    await waitFor(() => seen.length === 2, "approved policy");
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
