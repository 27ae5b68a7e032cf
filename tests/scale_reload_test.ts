/**
 * Issue #15 item 4, third round: a large reload keeps the proxy's event loop free. The policy text
 * goes to the load worker, and the rules come back, as moved buffers, never as strings copied in
 * one go on the proxy's thread; the policy file watch decodes a large file in slices; the result
 * is the same policy, non-ASCII text included; a bad text still changes nothing. Nothing here
 * asserts speed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "yaml";
import { PolicyHolder, watchPolicyFile } from "../proxy/mod.ts";
import { decide, loadPolicyText } from "../proxy/policy/mod.ts";
import { syntheticPolicy } from "./support/synthetic_policy.ts";

/** Every string in `value` with its path, objects, arrays and maps walked. */
function stringsIn(value: unknown, path = "", out: [string, number][] = []): [string, number][] {
  if (typeof value === "string") out.push([path, value.length]);
  else if (value instanceof Map) {
    for (const [k, v] of value) stringsIn(v, `${path}.${String(k)}`, out);
  } else if (value && typeof value === "object" && !ArrayBuffer.isView(value)) {
    for (const [k, v] of Object.entries(value)) stringsIn(v, `${path}.${k}`, out);
  }
  return out;
}

/** Run `work` with every Worker message, both ways, recorded. */
async function recordingMessages<T>(
  work: () => Promise<T>,
): Promise<{ result: T; sent: unknown[]; received: unknown[] }> {
  const sent: unknown[] = [];
  const received: unknown[] = [];
  const original = globalThis.Worker;
  class Recording extends original {
    override postMessage(message: unknown, transfer?: Transferable[] | StructuredSerializeOptions) {
      sent.push(message);
      // deno-lint-ignore no-explicit-any
      super.postMessage(message, transfer as any);
    }
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      this.addEventListener("message", (event) => received.push(event.data));
    }
  }
  globalThis.Worker = Recording;
  try {
    return { result: await work(), sent, received };
  } finally {
    globalThis.Worker = original;
  }
}

const LONG = 64 * 1024;

Deno.test("hostile #15.4: a large reload moves the text and the rules as buffers, never as long strings", async () => {
  const text = stringify({ ...syntheticPolicy(4000), revision: 7 }, { lineWidth: 0 });
  assert.ok(text.length > 16 * LONG, "a text far past the worker's threshold");
  const { result: holder, sent, received } = await recordingMessages(async () => {
    const holder = PolicyHolder.fromText("big", "big.yaml", "version: 1\n");
    assert.ok((await holder.reload(text)).ok);
    return holder;
  });
  assert.equal(holder.current().revision, 7, "the reload swapped in");
  assert.equal(sent.length, 1, "one request");
  assert.deepEqual(stringsIn(sent[0]).filter(([, n]) => n > LONG), [], "no long string sent");
  // The plan's index (keys, slots) is walked here whole; the rules are read one at a time.
  const long = stringsIn(received[0]).filter(([, n]) => n > LONG).map(([path]) => path);
  assert.deepEqual(long.filter((path) => !/^\.answer\.plan\.(keys|slots)$/.test(path)), []);
  holder.close();
});

Deno.test("hostile #15.4: an off-thread reload of non-ASCII text is the same policy as a direct load", async () => {
  const policy = { ...syntheticPolicy(2000), revision: 3 };
  policy.network_policies["zurich_team"] = {
    name: "Zürich 😀 team",
    endpoints: [{ host: "svc-7.example.com", port: 443 }],
    binaries: [{ path: "/usr/bin/tool-😀" }],
  };
  // Emoji everywhere in a comment: some surrogate pair falls on a slice boundary.
  const comment = `# xy${"😀é".repeat(300_000)}\n`;
  const text = comment + stringify(policy, { lineWidth: 0 });
  const holder = PolicyHolder.fromText("big", "big.yaml", "version: 1\n");
  const result = await holder.reload(text);
  assert.ok(result.ok);
  const direct = loadPolicyText(text, "big.yaml");
  const snapshot = holder.current();
  assert.equal(snapshot.hash, direct.hash);
  assert.equal(snapshot.text, text);
  assert.deepEqual(snapshot.policy, direct.policy);
  const facts = (exe: string) => ({
    host: "svc-7.example.com",
    port: 443,
    identity: { exe, ancestors: [] },
  });
  for (const exe of ["/usr/bin/tool-😀", "/usr/bin/tool-0", "/usr/bin/tool-é"]) {
    assert.deepEqual(decide(snapshot.compiled, facts(exe)), decide(direct.compiled, facts(exe)));
  }
  assert.equal(decide(snapshot.compiled, facts("/usr/bin/tool-😀")).verdict, "allow");
  // A bad large text changes nothing.
  const bad = await holder.reload(text.replace("port: 443", "port: x"));
  assert.ok(!bad.ok);
  assert.equal(holder.current(), snapshot);
  holder.close();
});

Deno.test("hostile #15.4: the policy file watch decodes a large file in slices, never whole in one go", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "big.yaml");
  const text = (revision: number) =>
    `\ufeff# Zürich 😀\n${stringify({ ...syntheticPolicy(3000), revision }, { lineWidth: 0 })}`;
  await Deno.writeTextFile(file, text(1));
  const holder = await PolicyHolder.load("big", file);
  const stop = new AbortController();
  const watching = watchPolicyFile(holder, file, { signal: stop.signal, debounceMs: 10 });
  // Every whole-file decode on this thread, counted while the watcher runs.
  const original = Deno.readTextFile;
  const wholeReads: string[] = [];
  Deno.readTextFile = (path, options) => {
    wholeReads.push(String(path));
    return original(path, options);
  };
  try {
    await new Promise((resolve) => setTimeout(resolve, 20));
    await Deno.writeTextFile(file, text(2));
    for (let i = 0; i < 1000 && holder.current().revision !== 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(holder.current().revision, 2, "the change was reloaded");
    assert.equal(holder.current().text, text(2), "the same text, mark and all");
    assert.deepEqual(wholeReads, []);
  } finally {
    Deno.readTextFile = original;
    stop.abort();
    await watching;
    holder.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hostile #15.4: every turn of a large reload is served by the old policy, whole, until the swap", async () => {
  const policy = { ...syntheticPolicy(3000), revision: 4 };
  const text = stringify(policy, { lineWidth: 0 });
  const holder = PolicyHolder.fromText("big", "big.yaml", "version: 1\nrevision: 3\n");
  const before = holder.current();
  // svc-0 is rule 0 of the new policy only: denied until the whole new policy is in force.
  const facts = {
    host: "svc-0.example.com",
    port: 443,
    identity: { exe: "/usr/bin/tool-0", ancestors: [] },
  };
  let done = false;
  const reloading = holder.reload(text).finally(() => done = true);
  const seen: { same: boolean; verdict: string }[] = [];
  while (!done) {
    const current = holder.current();
    seen.push({ same: current === before, verdict: decide(current.compiled, facts).verdict });
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  assert.ok((await reloading).ok);
  // Several turns: the text goes out, and the index is built, in slices between requests.
  assert.ok(seen.length > 5, `the reload took ${seen.length} turns`);
  assert.deepEqual(seen.filter((s) => !s.same || s.verdict !== "deny"), [], "no early swap");
  assert.equal(holder.current().revision, 4);
  assert.equal(holder.current().generation, before.generation + 1);
  assert.equal(decide(holder.current().compiled, facts).verdict, "allow");
  holder.close();
});
