/**
 * A sandbox whose runner is killed outright (SIGKILL, the OOM killer) retires nothing: before,
 * its proxy credential stayed valid at the gateway and its session rules stayed in the policy
 * until their own expiry. Now the runner registers each sandbox it starts in its state
 * directory, and the next `sandbox run` there retires a dead runner's credential and session
 * rules, having checked by pid, start time, boot and pid namespace that the runner is gone (a
 * live one, or a pid now used by another process of the same start time, is left alone).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore, startGateway } from "../gateway/mod.ts";
import { makeRepo, putProposal } from "./gateway_fixtures.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

function runner(
  state: string,
  cwd: string,
  env: Record<string, string>,
  extra: string[],
  cmd: string[],
) {
  const args = ["run", "-A", "--quiet", MAIN, "sandbox", "run", "--isolate", "env", "--quiet"];
  return new Deno.Command(Deno.execPath(), {
    args: [...args, "--policy", "team", "--state", state, ...extra, "--", ...cmd],
    cwd,
    env: { RUST_BACKTRACE: "0", NO_COLOR: "1", ...env },
    stdout: "null",
    stderr: "piped",
  });
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every descendant pid of `pid` (from /proc's children lists). */
function descendants(pid: number): number[] {
  let kids: number[] = [];
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim();
    kids = text ? text.split(" ").map(Number) : [];
  } catch { /* gone */ }
  return kids.flatMap((k) => [k, ...descendants(k)]);
}

async function proxyCredentials(gatewayState: string): Promise<string[]> {
  const found: string[] = [];
  for await (const e of Deno.readDir(join(gatewayState, "credentials"))) {
    const c = JSON.parse(await Deno.readTextFile(join(gatewayState, "credentials", e.name)));
    if (c.role === "proxy") found.push(c.sandbox);
  }
  return found;
}

/** Start a runner whose command waits, SIGKILL it once the command runs; its sandbox id. */
async function killedRunner(
  state: string,
  cwd: string,
  env: Record<string, string>,
  extra: string[],
  sandboxOf: () => Promise<string | undefined>,
): Promise<string> {
  const ready = join(cwd, "ready");
  const child = runner(state, cwd, env, extra, ["sh", "-c", `touch ${ready}; exec sleep 60`])
    .spawn();
  let id: string | undefined;
  try {
    await until("the sandbox's command", () => Deno.stat(ready).then(() => true, () => false));
    await until("the sandbox id", async () => (id = await sandboxOf()) !== undefined);
  } finally {
    const below = descendants(child.pid);
    child.kill("SIGKILL");
    for (const pid of below) Deno.kill(pid, "SIGKILL");
    await child.output();
  }
  return id!;
}

async function approveSession(policies: string, sandbox: string): Promise<void> {
  const store = new ProposalStore({ policiesDir: policies });
  const r = await store.submit({ ...putProposal(), ruleName: "session_put", sandbox });
  assert.ok(r.accepted, JSON.stringify(r));
  await store.approve(r.proposal.id, { approvedBy: "alice", scope: { scope: "session" } });
  assert.match(await Deno.readTextFile(join(policies, "team.yaml")), /session_put__/);
}

Deno.test("hostile dead sandbox: a killed runner's credential and session rules are retired at the next start", async () => {
  const repo = await makeRepo();
  const gatewayState = join(repo.root, "gw-state");
  const gw = await startGateway({
    policiesDir: repo.policies,
    stateDir: gatewayState,
    listen: "127.0.0.1:0",
  });
  try {
    const state = join(repo.root, "runner-state");
    const env = { TOLLGATE_GATEWAY_TOKEN: gw.token };
    const work = await Deno.makeTempDir({ dir: repo.root });
    const dead = await killedRunner(state, work, env, ["--gateway", gw.url], async () => {
      const ids = await proxyCredentials(gatewayState);
      return ids.length === 1 ? ids[0] : undefined;
    });
    await approveSession(repo.policies, dead);
    // The next start on this state directory.
    const next = await runner(state, repo.root, env, ["--gateway", gw.url], ["true"]).output();
    assert.equal(next.code, 0, new TextDecoder().decode(next.stderr));
    // Before: the dead sandbox's credential was still valid, and its session rule still served.
    assert.deepEqual(await proxyCredentials(gatewayState), []);
    assert.doesNotMatch(await Deno.readTextFile(join(repo.policies, "team.yaml")), /session_put/);
  } finally {
    await gw.close();
    await repo.cleanup();
  }
});

Deno.test("hostile dead sandbox: a killed embedded runner's session rules end at the next start", async () => {
  const repo = await makeRepo();
  try {
    const state = join(repo.root, "runner-state");
    const work = await Deno.makeTempDir({ dir: repo.root });
    const extra = ["--policies", repo.policies];
    // The embedded proxy's id is on its own log events (`unmapped.sandbox`).
    const dead = await killedRunner(state, work, {}, extra, async () => {
      const text = await logText(join(state, "logs"));
      return /"sandbox":"(sb-[0-9a-f]+)"/.exec(text)?.[1];
    });
    await approveSession(repo.policies, dead);
    const next = await runner(state, repo.root, {}, extra, ["true"]).output();
    assert.equal(next.code, 0, new TextDecoder().decode(next.stderr));
    // Before: the session rule stayed in the policy until its own expiry.
    assert.doesNotMatch(await Deno.readTextFile(join(repo.policies, "team.yaml")), /session_put/);
  } finally {
    await repo.cleanup();
  }
});

async function logText(dir: string): Promise<string> {
  let text = "";
  try {
    for await (const e of Deno.readDir(dir)) text += await Deno.readTextFile(join(dir, e.name));
  } catch { /* not written yet */ }
  return text;
}
