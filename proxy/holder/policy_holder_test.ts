import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PolicyHolder } from "./policy_holder.ts";
import { OFF_THREAD_CHARS } from "./_parse_off_thread.ts";
import { watchPolicyFile } from "./watch_policy_file.ts";
import type { OcsfEvent } from "../ocsf/mod.ts";
import { loadPolicyText, parsePolicy, policyHash } from "../policy/mod.ts";

const policyText = (revision: number, host = "api.github.com") =>
  `version: 1
revision: ${revision}
network_policies:
  gh:
    endpoints: [{ host: ${host}, port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
`;

Deno.test("PolicyHolder.update() swaps valid policies and keeps the last good one", () => {
  const holder = PolicyHolder.fromText("demo", "demo.yaml", policyText(1));
  const seen: number[] = [];
  const unsubscribe = holder.subscribe((snapshot) => seen.push(snapshot.generation));
  assert.equal(holder.current().generation, 1);
  assert.equal(holder.current().revision, 1);
  const before = holder.current();
  const ok = holder.update(policyText(2));
  assert.ok(ok.ok);
  assert.equal(ok.snapshot.generation, 2);
  assert.equal(holder.current().revision, 2);
  assert.notEqual(holder.current().hash, before.hash);
  assert.equal(before.generation, 1, "published snapshots never change");
  const bad = holder.update("version: 1\nnetwork_policies:\n  x: {endpoints: [{host: '*'}]}\n");
  assert.ok(!bad.ok);
  assert.ok(bad.issues.length > 0);
  assert.equal(holder.generation, 2);
  unsubscribe();
  holder.update(policyText(3));
  assert.deepEqual(seen, [2]);
});

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`Timed out waiting for ${what}`);
}

Deno.test("watchPolicyFile() reloads on atomic writes and logs failures", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "demo.yaml");
  await Deno.writeTextFile(file, policyText(1));
  const holder = await PolicyHolder.load("demo", file);
  const events: OcsfEvent[] = [];
  const stop = new AbortController();
  const watching = watchPolicyFile(holder, file, {
    signal: stop.signal,
    onEvent: (event) => events.push(event),
  });
  const writeAtomically = async (text: string) => {
    await Deno.writeTextFile(join(dir, ".demo.yaml.tmp"), text);
    await Deno.rename(join(dir, ".demo.yaml.tmp"), file);
  };
  try {
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeAtomically(policyText(2));
    await waitFor(() => holder.generation === 2, "the reload");
    assert.equal(holder.current().revision, 2);
    await waitFor(() => events.length === 1, "the LOADED event");
    assert.equal(events[0]!.class_uid, 5019);
    assert.match(JSON.stringify(events[0]), /LOADED/);

    await writeAtomically("version: 1\nnetwork_policies: {gh: {endpoints: [{host: '*.com'}]}}\n");
    await waitFor(() => events.length === 2, "the FAILED event");
    assert.match(JSON.stringify(events[1]), /FAILED/);
    assert.match(JSON.stringify(events[1]), /keeping revision 2/);
    assert.equal(holder.generation, 2);

    await Deno.writeTextFile(file, policyText(3, "example.com"));
    await waitFor(() => holder.generation === 3, "an in-place write");
    assert.equal(holder.current().policy.network_policies.gh!.endpoints[0]!.host, "example.com");
    // Touching the file without changing it must not bump the generation.
    await Deno.writeTextFile(file, policyText(3, "example.com"));
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(holder.generation, 3);
  } finally {
    stop.abort();
    await watching;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PolicyHolder.reload() takes a push's JSON document, and the text when the JSON is not a clean policy", async () => {
  // A small text (loaded on this thread) and one past OFF_THREAD_CHARS (loaded by a worker).
  for (const padding of ["", `# ${"x".repeat(OFF_THREAD_CHARS)}\n`]) {
    const text = (revision: number) => `${padding}${policyText(revision)}`;
    const holder = PolicyHolder.fromText("demo", "demo.yaml", text(1));
    const policy = parsePolicy(text(2), "demo.yaml").policy!;
    // The JSON names one more rule than the text: the rule shows which of the two was loaded.
    const pushed = {
      ...policy,
      network_policies: {
        ...policy.network_policies,
        from_json: {
          endpoints: [{ host: "json.example.com", port: 443 }],
          binaries: [{ path: "/usr/bin/curl" }],
        },
      },
    };
    const viaJson = await holder.reload(text(2), JSON.stringify(pushed));
    assert.ok(viaJson.ok);
    assert.ok("from_json" in holder.current().policy.network_policies, `${padding.length} padding`);
    assert.equal(holder.current().text, text(2));
    assert.equal(holder.current().hash, policyHash(pushed));
    for (const json of ["{not json", JSON.stringify({ ...pushed, version: 2 })]) {
      const viaText = await holder.reload(text(3), json);
      assert.ok(viaText.ok && viaText.snapshot.revision === 3, `${padding.length} padding`);
      assert.ok(!("from_json" in holder.current().policy.network_policies));
      await holder.reload(text(2), JSON.stringify(pushed));
    }
    // Neither a bad JSON nor a bad text replaces the last good policy.
    const bad = await holder.reload("version: 2\n", "{}");
    assert.ok(!bad.ok);
    assert.equal(holder.current().revision, 2);
    holder.close();
  }
});

Deno.test("PolicyHolder.reload() keeps one load worker, and loads here when it crashes", async () => {
  const dir = await Deno.makeTempDir();
  const padding = `# ${"x".repeat(OFF_THREAD_CHARS)}\n`;
  const text = (revision: number) => `${padding}${policyText(revision)}`;
  // A stand-in worker that counts the loads it has seen: a reused worker counts on.
  const counting = join(dir, "counting.ts");
  await Deno.writeTextFile(
    counting,
    `let n = 0; self.onmessage = (e) => self.postMessage({ id: e.data.id, ` +
      `issues: [{ file: "f", line: 1, col: 1, message: String(++n) }] });`,
  );
  const reused = new PolicyHolder("demo", loadPolicyText(text(1), "demo.yaml"), {
    worker: { url: pathToFileURL(counting) },
  });
  const seen = [];
  for (const revision of [2, 3]) {
    const result = await reused.reload(text(revision));
    seen.push(!result.ok && result.issues[0]?.message);
  }
  // Load 1 is the holder's own, giving the worker the policy it started with.
  assert.deepEqual(seen, ["2", "3"]);
  reused.close();
  // A worker that throws on every load: each reload is done on this thread instead, a bad
  // text still changes nothing, and the holder starts a fresh worker next time.
  const crashing = join(dir, "crashing.ts");
  // Deno prints the worker's uncaught error even though the holder handles it: say it is meant.
  await Deno.writeTextFile(
    crashing,
    `self.onmessage = () => { throw new Error("crashed on purpose by policy_holder_test.ts"); };`,
  );
  const holder = new PolicyHolder("demo", loadPolicyText(text(1), "demo.yaml"), {
    worker: { url: pathToFileURL(crashing) },
  });
  const result = await holder.reload(text(2));
  assert.ok(result.ok);
  assert.equal(holder.current().revision, 2);
  assert.ok(!(await holder.reload(`${padding}version: 2\n`)).ok);
  assert.equal(holder.current().revision, 2);
  assert.ok((await holder.reload(text(3), JSON.stringify(parsePolicy(text(3), "d").policy))).ok);
  assert.equal(holder.current().revision, 3);
  holder.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("PolicyHolder hands its load worker the policy it validated, as JSON, not the YAML to parse again", async () => {
  const dir = await Deno.makeTempDir();
  const padding = `# ${"x".repeat(OFF_THREAD_CHARS)}\n`;
  const text = (revision: number) => `${padding}${policyText(revision)}`;
  // A stand-in worker that tells, in its answer to each later load, what the first load held.
  const telling = join(dir, "telling.js");
  await Deno.writeTextFile(
    telling,
    `let first; self.onmessage = (e) => { first ??= e.data; const d = new TextDecoder(); ` +
      `const json = first.json ? first.json.map((s) => d.decode(s)).join("") : "none"; ` +
      `self.postMessage({ id: e.data.id, issues: [{ file: "f", line: 1, col: 1, message: json }] }); };`,
  );
  const loaded = loadPolicyText(text(1), "demo.yaml");
  const holder = new PolicyHolder("demo", loaded, { worker: { url: pathToFileURL(telling) } });
  const result = await holder.reload(text(2));
  assert.ok(!result.ok);
  assert.deepEqual(JSON.parse(result.issues[0]!.message), loaded.policy);
  holder.close();
  await Deno.remove(dir, { recursive: true });
});
