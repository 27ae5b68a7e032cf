import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { curlArgs } from "./support/mod.ts";
import { notesProposal } from "./gateway_fixtures.ts";
import { type CliContext, runCli } from "../cli/mod.ts";
import { startGateway } from "../gateway/mod.ts";

const root = dirname(dirname(fileURLToPath(import.meta.url)));

Deno.test("tollgate proxy --gateway takes its policy and reloads from the gateway", async () => {
  const dir = await Deno.makeTempDir();
  const policiesDir = join(dir, "policies");
  const stateDir = join(dir, "state");
  await Deno.mkdir(policiesDir);
  await Deno.copyFile(join(root, "policies/demo.yaml"), join(policiesDir, "demo.yaml"));
  const gateway = await startGateway({ policiesDir, stateDir, listen: "127.0.0.1:0" });
  const stop = new AbortController();
  let out = "";
  let ready: () => void = () => {};
  const started = new Promise<void>((resolve) => (ready = resolve));
  const ctx: CliContext = {
    // A separate, empty policies directory proves the policy comes from the gateway.
    cwd: dir,
    env: { NO_COLOR: "1" },
    out: (t) => ((out += t), out.includes("listening") && ready()),
    err: (t) => (out += t),
    isTTY: false,
    signal: stop.signal,
    setExitCode: () => {},
  };
  const running = runCli([
    "proxy",
    "--policy",
    "demo",
    "--policies",
    join(dir, "elsewhere"),
    "--state",
    stateDir,
    "--listen",
    "127.0.0.1:0",
    "--gateway",
    gateway.url,
  ], ctx);
  try {
    await Promise.race([started, running.then(() => assert.fail(out))]);
    const port = /listening on 127\.0\.0\.1:(\d+) \(policy demo, revision 0\)/.exec(out)?.[1];
    assert.ok(port, out);
    const proxy = ["-x", `http://127.0.0.1:${port}`];
    const submitted = await curlArgs([
      ...proxy,
      "--data-binary",
      JSON.stringify(notesProposal()),
      "http://policy.local/v1/proposals",
    ]);
    assert.equal(submitted.status, 202, submitted.body);
    const [id] = JSON.parse(submitted.body).accepted_chunk_ids;
    // The proposal went to the gateway's directory, not to the proxy's (empty) one.
    await Deno.stat(join(policiesDir, "pending", `${id}.patch`));
    const waited = curlArgs([...proxy, `http://policy.local/v1/proposals/${id}/wait?timeout=30`]);
    await gateway.store.approve(id, { approvedBy: "test" });
    const decision = JSON.parse((await waited).body);
    assert.equal(decision.status, "approved");
    assert.equal(decision.policy_reloaded, true);
    const current = await curlArgs([...proxy, "http://policy.local/v1/policy/current"]);
    assert.equal(JSON.parse(current.body).revision, 1);
    // The proxy enrolled a sandbox credential of its own with the host's token.
    assert.equal((await proxyCredentials(stateDir)).length, 1);
  } finally {
    stop.abort();
    assert.equal(await running, 0);
    // ...and gave it back when it stopped.
    assert.deepEqual(await proxyCredentials(stateDir), []);
    await gateway.close();
    await Deno.remove(dir, { recursive: true });
  }
});

async function proxyCredentials(stateDir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(join(stateDir, "credentials"))) {
    const text = await Deno.readTextFile(join(stateDir, "credentials", entry.name));
    if (JSON.parse(text).role === "proxy") found.push(entry.name);
  }
  return found;
}
