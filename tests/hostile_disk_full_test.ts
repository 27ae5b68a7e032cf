/**
 * Resource exhaustion from a hostile sandbox (issue #12): a full disk under the audit log. The
 * proxy must keep enforcing, every log line stays whole, and the gap is recorded.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startProxyService } from "../proxy/mod.ts";
import { rawRequest } from "./support/mod.ts";
import { DENIED_REQUEST, RESOURCE_POLICY } from "./hostile_fixtures.ts";

async function run(cmd: string, ...args: string[]): Promise<boolean> {
  const { success } = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" })
    .output()
    .catch(() => ({ success: false }));
  return success;
}

/** A tmpfs of `size` at `dir` (root only); false when it cannot be mounted here. */
async function mountTmpfs(dir: string, size: string): Promise<boolean> {
  await Deno.mkdir(dir, { recursive: true });
  return await run("mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir);
}

const canMount = await (async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-mount-" });
  const ok = await mountTmpfs(dir, "64k");
  if (ok) await run("umount", dir);
  await Deno.remove(dir);
  return ok;
})();

/** Deny requests until the 64 KB log disk is full and past it, then give it room again. */
async function fillDiskThenRecover(dir: string, logDir: string): Promise<void> {
  const policies = join(dir, "policies");
  await Deno.mkdir(policies);
  await Deno.writeTextFile(join(policies, "demo.yaml"), RESOURCE_POLICY);
  const reports: string[] = [];
  const service = await startProxyService({
    policy: "demo",
    policiesDir: policies,
    stateDir: join(dir, "state"),
    report: (message) => reports.push(message),
  });
  try {
    // Each denial is some 800 bytes of log (its event, and its line in the denials file): 64 KB
    // fill up within about 80. Deny on until the drop is reported, and past it.
    const reported = () => reports.some((r) => /audit log: \d+ event\(s\) not written/.test(r));
    let past = 0;
    for (let i = 0; i < 400 && past < 20; i++) {
      const answer = await rawRequest(service.port, DENIED_REQUEST);
      assert.equal(answer.status, 403, `request ${i} was not enforced`);
      if (reported()) past++;
    }
    assert.ok(reported(), reports.join());
    // Room again: the next write puts the gap on record.
    assert.ok(await run("mount", "-o", "remount,size=1m", logDir));
    assert.equal((await rawRequest(service.port, DENIED_REQUEST)).status, 403);
  } finally {
    await service.close();
  }
}

/** Every log file ends with a whole line, every JSONL line parses, and the gap is recorded. */
function assertWholeLinesAndGapRecorded(logDir: string): void {
  let resumed = 0;
  for (const { name } of Deno.readDirSync(logDir)) {
    const text = Deno.readTextFileSync(join(logDir, name));
    assert.ok(text === "" || text.endsWith("\n"), `${name} ends inside a line`);
    if (!name.endsWith(".jsonl")) continue;
    for (const line of text.split("\n").filter(Boolean)) {
      const event = JSON.parse(line); // a torn line would throw here
      if (event.unmapped?.dropped_events) resumed = event.unmapped.dropped_events;
    }
  }
  assert.ok(resumed > 0, "no CONFIG event records the dropped events");
}

Deno.test({
  name: "hostile #12: a full disk drops audit events whole, reports them, and enforcement goes on",
  ignore: !canMount,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tollgate-disk-" });
    const logDir = join(dir, "state", "logs");
    assert.ok(await mountTmpfs(logDir, "64k"));
    try {
      await fillDiskThenRecover(dir, logDir);
      assertWholeLinesAndGapRecorded(logDir);
    } finally {
      await run("umount", logDir);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
