/**
 * A large policy's push carries its text as a change from the text before (`TextPatch`): a
 * subscriber holding that text rebuilds the new one without fetching it; one holding another
 * fetches the whole text; either ends holding exactly the text the gateway published.
 */

import assert from "node:assert/strict";
import { stringify } from "yaml";
import { GatewayClient, policyUpdated, startGateway, subscribePolicy } from "../gateway/mod.ts";
import { DELTA_MIN_CHARS, type Policy } from "../proxy/policy/mod.ts";
import { applyTextPatch, sha256Hex, textPatch } from "../gateway/client/mod.ts";
import { syntheticPolicy, waitFor } from "./support/mod.ts";

const decodeSlices = (slices: Uint8Array[]) =>
  slices.map((s) => new TextDecoder().decode(s)).join("");

Deno.test("textPatch() and applyTextPatch() rebuild the text, and refuse another base or a bad patch", async () => {
  const before = "version: 1\nrevision: 1\nnetwork_policies:\n  a: {}\n";
  const cases = [
    before.replace("revision: 1", "revision: 2") + "  b: {}\n",
    "",
    before,
    "x" + before,
    before.slice(0, -1),
    "version: 1\n",
  ];
  for (const after of cases) {
    const patch = textPatch(before, after, await sha256Hex(after));
    assert.equal(await applyTextPatch(before, patch), after, JSON.stringify(after));
  }
  // An approval: the revision line changes and a rule's lines are added; the rest is kept.
  const rules = Array.from({ length: 500 }, (_, i) => `  r${i}:\n    endpoints: []\n`).join("");
  const big = `version: 1\nrevision: 9\nnetwork_policies:\n${rules}# end\n`;
  const approved = big.replace("revision: 9", "revision: 10").replace("# end", "  new: {}\n# end");
  const change = textPatch(big, approved, await sha256Hex(approved));
  assert.deepEqual(change.edits.map((e) => e[2]), ["10\n", "  new: {}\n"]);
  assert.equal(await applyTextPatch(big, change), approved);
  const after = cases[0]!;
  const patch = textPatch(before, after, await sha256Hex(after));
  assert.equal(await applyTextPatch(before.replace("version", "VERSION"), patch), undefined);
  assert.equal(await applyTextPatch("", patch), undefined);
  assert.equal(await applyTextPatch(before, { ...patch, sha256: "0".repeat(64) }), undefined);
  assert.equal(await applyTextPatch(before, { ...patch, edits: [[-1, 0, ""]] }), undefined);
  assert.equal(await applyTextPatch(before, { ...patch, edits: [[0, 0, 7]] }), undefined);
  assert.equal(await applyTextPatch(before, { ...patch, edits: [[0, 999, ""]] }), undefined);
  assert.equal(await applyTextPatch(before, undefined), undefined);
});

Deno.test("subscribePolicy() follows a large policy by its text's changes, and fetches the whole text when it holds another", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/policies/big.yaml`;
  await Deno.mkdir(`${dir}/policies`);
  await Deno.writeTextFile(path, stringify(syntheticPolicy(1500), { lineWidth: 0 }));
  const gw = await startGateway({
    policiesDir: `${dir}/policies`,
    stateDir: `${dir}/state`,
    listen: "127.0.0.1:0",
  });
  const controller = new AbortController();
  try {
    const follow = async (refuse: (revision: number) => boolean) => {
      const { token } = await new GatewayClient({ url: gw.url, token: gw.token }).enrol("big");
      const client = new GatewayClient({ url: gw.url, token });
      const fetches: number[] = [];
      const fetch = client.policy.bind(client);
      client.policy = (...args) => (fetches.push(1), fetch(...args));
      const texts: string[] = [];
      const bytes: boolean[] = [];
      void subscribePolicy(client, "big", (text, version) => {
        if (refuse(version.revision)) throw new Error("refused");
        texts.push(text);
        // A change applied here comes with the bytes it was digested from: the text's own.
        if (version.utf8) bytes.push(decodeSlices(version.utf8) === text);
      }, controller.signal);
      return { texts, fetches, bytes };
    };
    // One follows every revision; the other refuses revision 1, so it holds revision 0's text
    // when revision 2's change (from revision 1's) arrives.
    const every = await follow(() => false);
    const behind = await follow((revision) => revision === 1);
    await waitFor(() => every.texts.length === 1 && behind.texts.length === 1, "both first texts");
    const initialFetches = [every.fetches.length, behind.fetches.length];
    for (const tag of ["one", "two"]) {
      const rule = { endpoints: [{ host: `${tag}.example`, port: 443 }], binaries: [] };
      const submitted = await gw.store.submit({
        policy: "big",
        ruleName: tag,
        rule: { ...rule, binaries: [{ path: "/usr/bin/curl" }] },
        rationale: "r",
      });
      assert.ok(submitted.accepted);
      await gw.store.approve(submitted.proposal.id, { approvedBy: "alice" });
      const text = await Deno.readTextFile(path);
      await waitFor(() => every.texts.at(-1) === text, `revision ${tag}`);
    }
    const published = await Deno.readTextFile(path);
    await waitFor(() => behind.texts.at(-1) === published, "the fetched text");
    assert.equal(every.texts.length, 3);
    assert.equal(every.fetches.length, initialFetches[0], "every change applied to the text held");
    assert.deepEqual(every.bytes, [true, true], "each change's UTF-8 bytes handed on");
    assert.equal(behind.texts.length, 2);
    assert.equal(behind.fetches.length, initialFetches[1]! + 1, "another base: the whole text");
  } finally {
    controller.abort();
    await gw.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("policyUpdated() pushes an approval's one added rule as the change, and compares the rules when the claim does not hold", () => {
  const rule = (host: string) => ({ endpoints: [{ host, port: 443 }] });
  const text = "#".repeat(DELTA_MIN_CHARS);
  const before: Policy = { version: 1, revision: 1, network_policies: { a: rule("a.example") } };
  const previous = { name: "p", text, revision: 1, hash: "h1", policy: before };
  const push = (network_policies: Policy["network_policies"], from: string) => {
    const policy: Policy = { version: 1, revision: 2, network_policies };
    const added = { from, key: "b" };
    const snapshot = { name: "p", text: `${text}\n`, revision: 2, hash: "h2", policy, added };
    const json = policyUpdated(snapshot, previous).data.policy_json as string;
    return JSON.parse(json);
  };
  const b = rule("b.example");
  // The claim holds: the rule named, nothing else.
  const one = push({ a: before.network_policies.a!, b }, "h1");
  assert.deepEqual(one, {
    delta_from: "h1",
    hash: "h2",
    head: { version: 1, revision: 2 },
    set: { b },
    removed: [],
  });
  // From another policy than the one held: every rule is compared (a changed too).
  const a2 = rule("a2.example");
  assert.deepEqual(push({ a: a2, b }, "elsewhere").set, { a: a2, b });
  // The rule not appended after the others: not a change the proxy could apply; the whole policy.
  const whole = push({ b, a: before.network_policies.a! }, "h1");
  assert.deepEqual(Object.keys(whole.network_policies), ["b", "a"]);
});
