/**
 * A holder of a proxy credential that subscribes to its policy's updates and never reads
 * them: a proxy whose host stopped reading (suspended, or a stolen credential's client). The
 * reader's kernel keeps the connection alive with a zero window, so it never times out, and
 * before, the gateway queued every update for it without end (each may carry the whole policy,
 * up to 16 MiB). Now a stream whose unsent updates pass the stream backlog (16 MiB) ends; a
 * proxy reconnects and catches up from the `ready` event.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startGateway } from "../gateway/mod.ts";
import { makeRepo, TEAM_POLICY } from "./gateway_fixtures.ts";
import { drainUntilQuiet } from "./support/mod.ts";

const UPDATES = 40;
const PADDING_BYTES = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The team policy with one more rule, named by a random seed, and a comment of that seed
 * repeated: each update changes the policy (its hash) and its text throughout.
 */
function paddedPolicy(): string {
  const seed = crypto.getRandomValues(new Uint8Array(16));
  const hex = Array.from(seed, (b) => b.toString(16).padStart(2, "0")).join("");
  const rule = `  r${hex}:\n    endpoints: [{ host: h${hex}.example.com, port: 443 }]\n`;
  const text = TEAM_POLICY.replace("network_policies:\n", `network_policies:\n${rule}`);
  return `# ${hex.repeat(PADDING_BYTES / hex.length)}\n${text}`;
}

Deno.test("gateway events: a subscriber that never reads is closed once its backlog passes the bound", async () => {
  const repo = await makeRepo({ git: false });
  const stateDir = await Deno.makeTempDir({ prefix: "tollgate-events-" });
  const gateway = await startGateway({
    policiesDir: repo.policies,
    stateDir,
    listen: "127.0.0.1:0",
    pingMs: 60_000,
  });
  try {
    const { token } = await gateway.credentials.enrolProxy("team");
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: gateway.port });
    await conn.write(new TextEncoder().encode(
      `GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1:${gateway.port}\r\n` +
        `Authorization: Bearer ${token}\r\n\r\n`,
    ));
    const file = join(repo.policies, "team.yaml");
    const headers = { authorization: `Bearer ${token}` };
    for (let i = 0; i < UPDATES; i++) {
      const text = paddedPolicy();
      await Deno.writeTextFile(file, text);
      // One update at a time: wait until the gateway has taken this one.
      for (let tries = 0; tries < 200; tries++) {
        const res = await fetch(`${gateway.url}/v1/policies/team`, { headers });
        if ((await res.json()).text === text) break;
        await sleep(25);
      }
    }
    await sleep(500);
    const drained = await drainUntilQuiet(conn, 3_000, {
      bufferBytes: 1024 * 1024,
      endsWith: "\r\n0\r\n\r\n",
    });
    const { bytes } = drained;
    const ended = drained.ended || drained.tail.endsWith("\r\n0\r\n\r\n");
    assert.ok(ended, `the stream stayed open with ${bytes} bytes of updates waiting for it`);
    assert.ok(bytes < UPDATES * PADDING_BYTES, `${bytes} bytes: every update was kept for it`);
  } finally {
    await gateway.close();
    await repo.cleanup();
    await Deno.remove(stateDir, { recursive: true });
  }
});
