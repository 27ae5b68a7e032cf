/**
 * A killed runner's registry entry (`STATE/runners/<id>.json`) was swept only by the next
 * `sandbox run` or `proxy --gateway` on that state directory: `leases sweep`, the command a
 * person runs to clean up scoped rules, left a dead sandbox's session rules in the policy. And
 * an entry whose gateway never answers again was kept for ever, read and checked at every start.
 * Now `leases sweep --state` sweeps the registry too (the embedded sandboxes of its policies
 * directory), and an entry whose runner has been seen gone for 7 days is dropped.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/mod.ts";
import { sweepGatewaySandboxes } from "../cli/_dead_sandboxes.ts";
import { runnerMark } from "../cli/_sandbox_registry.ts";
import { ProposalStore } from "../gateway/mod.ts";
import { captureCtx, makeRepo, putProposal } from "./gateway_fixtures.ts";

async function deadEntry(state: string, entry: Record<string, unknown>): Promise<string> {
  const runner = { ...(await runnerMark())!, pid: 2 ** 30 };
  await Deno.mkdir(join(state, "runners"), { recursive: true });
  const path = join(state, "runners", `${entry.sandbox}.json`);
  await Deno.writeTextFile(path, JSON.stringify({ ...entry, runner }));
  return path;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("hostile dead sandbox: leases sweep ends a killed embedded runner's session rules", async () => {
  const repo = await makeRepo();
  try {
    const state = join(repo.root, "state");
    const store = new ProposalStore({ policiesDir: repo.policies });
    const r = await store.submit({ ...putProposal(), ruleName: "session_put", sandbox: "sb-dead" });
    assert.ok(r.accepted, JSON.stringify(r));
    await store.approve(r.proposal.id, { approvedBy: "alice", scope: { scope: "session" } });
    const entry = await deadEntry(state, { sandbox: "sb-dead", policiesDir: repo.policies });
    // Another policies directory's entry is left to a run on that directory.
    const other = await deadEntry(state, { sandbox: "sb-other", policiesDir: "/nowhere" });
    const { ctx, out } = captureCtx(repo.root);
    const code = await runCli(["leases", "sweep", "--state", state], ctx);
    assert.equal(code, 0, out.join(""));
    // Before: the session rule stayed, and so did the entry.
    assert.doesNotMatch(await Deno.readTextFile(join(repo.policies, "team.yaml")), /session_put/);
    assert.equal(await exists(entry), false);
    assert.equal(await exists(other), true);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile dead sandbox: an entry whose gateway never answers is dropped after 7 days", async () => {
  const state = await Deno.makeTempDir();
  try {
    // Port 9 (discard) answers nothing on loopback: the retirement fails every time.
    const gone = "http://127.0.0.1:9";
    const path = await deadEntry(state, { sandbox: "sb-gone", gateways: [gone] });
    await sweepGatewaySandboxes(state, "tg_host", [gone]);
    // Kept, marked with when its runner was first seen gone.
    const kept = JSON.parse(await Deno.readTextFile(path));
    assert.ok(Date.parse(kept.goneSince) > Date.now() - 60_000, JSON.stringify(kept));
    await sweepGatewaySandboxes(state, "tg_host", [gone]);
    assert.equal(JSON.parse(await Deno.readTextFile(path)).goneSince, kept.goneSince);
    const weekAgo = new Date(Date.now() - 7 * 86_400_000 - 60_000).toISOString();
    await Deno.writeTextFile(path, JSON.stringify({ ...kept, goneSince: weekAgo }));
    // Before: kept for ever. Also one this run is not linked to (never contacted).
    const unlinked = await deadEntry(state, { sandbox: "sb-unlinked", gateways: ["http://x"] });
    const old = JSON.parse(await Deno.readTextFile(unlinked));
    await Deno.writeTextFile(unlinked, JSON.stringify({ ...old, goneSince: weekAgo }));
    await sweepGatewaySandboxes(state, "tg_host", [gone]);
    assert.equal(await exists(path), false);
    assert.equal(await exists(unlinked), false);
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});
