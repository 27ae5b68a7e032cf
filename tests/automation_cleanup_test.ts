/**
 * #17 item 4, the gateway's side of scoped rules: the clean-up commit of expired leases, used
 * once-rules and ended sessions (`Removed-By`), the timer at the earliest expiry, and revoke.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore, startGateway } from "../gateway/mod.ts";
import type { OcsfEvent } from "../proxy/ocsf/mod.ts";
import { loadPolicyText } from "../proxy/policy/mod.ts";
import { scopedRepo, scopedRule } from "./automation_fixtures.ts";
import { captureCtx, TEAM_POLICY } from "./gateway_fixtures.ts";
import { git, makeRemote } from "./remote_support.ts";
import { runCli } from "../cli/mod.ts";
import { curl, startTestUpstreams } from "./support/mod.ts";

const keysOf = (text: string) =>
  Object.keys(loadPolicyText(text, "team.yaml").policy.network_policies).sort();

Deno.test("automation #17.4 clean-up: expired, used-once and session-ended rules leave with a commit naming why", async () => {
  const past = Date.now() - 1000;
  const future = Date.now() + 3_600_000;
  const repo = await scopedRepo([
    scopedRule("expired_lease", { scope: "lease", expiresAt: past }),
    scopedRule("live_lease", { scope: "lease", expiresAt: future }, "/y"),
    scopedRule("used_once", { scope: "once", expiresAt: future }, "/z"),
    scopedRule("sess", { scope: "session", sandbox: "sb-gone" }, "/w"),
  ]);
  const events: OcsfEvent[] = [];
  const store = new ProposalStore({ policiesDir: repo.policies, emit: (e) => events.push(e) });
  const file = join(repo.policies, "team.yaml");
  try {
    const [expired] = await store.removeEnded({ kind: "expired" });
    assert.deepEqual(expired?.rules, ["expired_lease"]);
    assert.equal(expired?.revision, 4);
    let log = await repo.git("log", "-1", "--format=%B");
    assert.match(log, /^policy\(team\): remove expired_lease \(lease expired\)/);
    assert.match(log, /Removed-By: expiry/);
    assert.match(log, /Policy-Revision: 4/);
    // A once report for another grant of the key (another expiry) removes nothing.
    const stale = { kind: "once", policy: "team", ruleKey: "used_once", expiresAt: 1 } as const;
    assert.deepEqual(await store.removeEnded(stale), []);
    await store.removeEnded({ ...stale, expiresAt: future });
    assert.match(await repo.git("log", "-1", "--format=%B"), /Removed-By: once/);
    await store.removeEnded({ kind: "session", sandbox: "sb-gone" });
    log = await repo.git("log", "-1", "--format=%B");
    assert.match(log, /Removed-By: session-ended/);
    assert.match(log, /Sandbox: sb-gone/);
    const text = await Deno.readTextFile(file);
    assert.deepEqual(keysOf(text), ["gh_ro", "live_lease"]);
    assert.equal(loadPolicyText(text, "team.yaml").policy.revision, 6);
    assert.doesNotMatch(await repo.git("status", "--porcelain"), /team.yaml/);
    // Durable rules never end here, whatever is asked.
    assert.deepEqual(await store.removeEnded({ kind: "revoke", ruleKey: "gh_ro", by: "x" }), []);
    const removed = events.filter((e) => e.unmapped?.config_state === "REMOVED");
    assert.deepEqual(removed.map((e) => e.unmapped?.removed_by), [
      "expiry",
      "once",
      "session-ended",
    ]);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("automation #17.4 clean-up: the gateway removes a lease at its expiry with a commit, and sweeps at start-up", async () => {
  // The gateway reads the test's clock: its start-up sweep takes "old" alone however long the
  // start takes on a loaded machine (both once went at start, with "soon" 3 s of wall clock
  // ahead), and "soon" ends when the test moves the clock to its expiry.
  let clock = Date.now();
  const soon = clock + 500;
  const repo = await scopedRepo([
    scopedRule("old", { scope: "lease", expiresAt: clock - 10 }),
    scopedRule("soon", { scope: "lease", expiresAt: soon }, "/s"),
  ]);
  const state = await Deno.makeTempDir();
  const gw = await startGateway({
    policiesDir: repo.policies,
    stateDir: state,
    listen: "127.0.0.1:0",
    now: () => clock,
  });
  try {
    const file = join(repo.policies, "team.yaml");
    assert.deepEqual(keysOf(await Deno.readTextFile(file)), ["gh_ro", "soon"]);
    clock = soon;
    const deadline = Date.now() + 15_000;
    // The file changes first (proxies reload at once), the commit right after.
    while (
      !(await repo.git("log", "-1", "--format=%s")).includes("soon") && Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(keysOf(await Deno.readTextFile(file)), ["gh_ro"]);
    const subjects = await repo.git("log", "--format=%s", "-3");
    assert.match(subjects, /remove soon \(lease expired\)\npolicy\(team\): remove old/);
  } finally {
    await gw.close();
    await repo.cleanup();
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("automation #17.4 clean-up: a real proxy reports its once rule's one use and the rule leaves with a commit", async () => {
  const future = Date.now() + 3_600_000;
  const repo = await scopedRepo([scopedRule("one_shot", { scope: "once", expiresAt: future })]);
  const upstreams = await startTestUpstreams();
  const state = join(repo.root, ".tollgate");
  const { ctx, out, err, controller } = captureCtx(repo.root);
  // The proxy's "listening on" line is the event to wait for, however long its start takes on
  // a loaded machine (a 10 s poll ran out at load ~25 and sent curl to port 0).
  const listening = Promise.withResolvers<number>();
  const print = ctx.out;
  ctx.out = (text) => {
    print(text);
    const port = /listening on 127\.0\.0\.1:(\d+)/.exec(out.join(""))?.[1];
    if (port) listening.resolve(Number(port));
  };
  const running = runCli([
    ...["proxy", "--policy", "team", "--policies", repo.policies, "--state", state],
    ...["--listen", "127.0.0.1:0", "--upstream-ca", upstreams.caPath],
    ...["--resolve", `api.github.com:443:127.0.0.1:${upstreams.httpsPort}`],
  ], ctx);
  try {
    // A proxy that cannot start ends runCli: then the wait ends too, with what it said.
    const port = await Promise.race([listening.promise, running.then(() => 0)]);
    assert.ok(port, `the proxy ended before it listened: ${err.join("")}`);
    const options = { proxyPort: port, caPath: join(state, "ca", "ca.pem"), args: ["-X", "PUT"] };
    assert.equal((await curl(["https://api.github.com/x"], options)).status, 200);
    assert.equal((await curl(["https://api.github.com/x"], options)).status, 403);
    const file = join(repo.policies, "team.yaml");
    // The file changes first (proxies reload at once), the commit right after.
    for (const end = Date.now() + 10_000; Date.now() < end;) {
      if ((await repo.git("log", "-1", "--format=%s")).includes("one_shot")) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(keysOf(await Deno.readTextFile(file)), ["gh_ro"]);
    assert.match(
      await repo.git("log", "-1", "--format=%B"),
      /remove one_shot \(used once\)[^]*Removed-By: once/,
    );
  } finally {
    controller.abort();
    await running;
    await upstreams.close();
    await repo.cleanup();
  }
});

Deno.test("automation #17.4 clean-up: with a Git remote, the gateway's removal commit is pushed like an approval", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-" });
  const expired = scopedRule("old", { scope: "lease", expiresAt: Date.now() - 1000 });
  const bare = await makeRemote(
    dir,
    TEAM_POLICY.replace("\nfilesystem_policy:", `${expired}\nfilesystem_policy:`),
  );
  const gw = await startGateway({
    policiesDir: join(dir, "clone"),
    stateDir: join(dir, "state"),
    listen: "127.0.0.1:0",
    remote: { url: `file://${bare}`, fetchIntervalMs: 60_000 },
  });
  try {
    // The start-up sweep removes it in the clone; the remote's main gets the same commit.
    for (const end = Date.now() + 10_000; Date.now() < end;) {
      if ((await git(bare, "log", "-1", "--format=%s", "main")).includes("remove old")) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(await git(bare, "log", "-1", "--format=%B", "main"), /Removed-By: expiry/);
    assert.doesNotMatch(await git(bare, "show", "main:team.yaml"), / {2}old:/);
  } finally {
    await gw.close();
    await Deno.remove(dir, { recursive: true });
  }
});
