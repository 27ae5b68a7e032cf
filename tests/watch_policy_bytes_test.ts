/**
 * The policy file watch tells an unchanged file by its bytes (kept for the policy in force), so
 * a large text is never compared, and so never read whole, on the proxy's thread; where bytes
 * cannot tell (a replaced invalid sequence decodes the same as other bytes) it compares the
 * texts as before. The changed file's bytes go to the load worker as read.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { PolicyHolder, watchPolicyFile } from "../proxy/mod.ts";
import type { OcsfEvent } from "../proxy/ocsf/mod.ts";

const policy = (revision: number, comment = "") =>
  `${comment}version: 1\nrevision: ${revision}\nnetwork_policies: {}\n`;

/** Wait until `done()` (at most `tries` times 10 ms); then let any late reload land (it would show). */
async function settle(done: () => boolean, tries = 500): Promise<void> {
  for (let i = 0; i < tries && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 150));
}

Deno.test("watchPolicyFile() reloads a changed file only, whether its bytes or its text tell", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "p.yaml");
  const write = (bytes: Uint8Array | string) =>
    typeof bytes === "string" ? Deno.writeTextFile(file, bytes) : Deno.writeFile(file, bytes);
  await write(policy(1));
  const holder = await PolicyHolder.load("p", file);
  const events: OcsfEvent[] = [];
  const stop = new AbortController();
  const watching = watchPolicyFile(holder, file, {
    signal: stop.signal,
    debounceMs: 10,
    onEvent: (event) => events.push(event),
  });
  try {
    await new Promise((r) => setTimeout(r, 50));
    await write(policy(1)); // the same bytes as at start
    await settle(() => events.length > 0, 40);
    assert.equal(holder.current().generation, 1, "the same file again is not reloaded");
    await write(policy(2));
    await settle(() => holder.current().revision === 2);
    assert.equal(holder.current().text, policy(2));
    await write(policy(2)); // the same bytes as the reload's
    await settle(() => holder.current().generation > 2, 40);
    assert.equal(holder.current().generation, 2, "rewritten unchanged: not reloaded");
    // A comment holding an invalid byte: 0xff and 0xfe both read as U+FFFD, the same text.
    const withByte = (byte: number) =>
      new Uint8Array([0x23, byte, 0x0a, ...new TextEncoder().encode(policy(3))]);
    await write(withByte(0xff));
    await settle(() => holder.current().revision === 3);
    assert.equal(holder.current().generation, 3);
    assert.equal(holder.current().text, `#\ufffd\n${policy(3)}`);
    await write(withByte(0xfe));
    await settle(() => holder.current().generation > 3, 40);
    assert.equal(holder.current().generation, 3, "other bytes, the same text: not reloaded");
    assert.deepEqual(events.map((e) => e.message), [
      "Policy reloaded successfully",
      "Policy reloaded successfully",
    ]);
  } finally {
    stop.abort();
    await watching;
    holder.close();
    await Deno.remove(dir, { recursive: true });
  }
});
