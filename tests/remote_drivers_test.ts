/**
 * A gateway on a shared remote runs git in its clone for every sync (status, `add`, commit,
 * `reset --keep`, rebase): none of those runs may start a filter, diff or merge driver that
 * the clone's config names, as no other git run of Tollgate does.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { GatewayClient, type RunningGateway, startGateway } from "../gateway/mod.ts";
import { git, makeRemote, ruleProposal } from "./remote_support.ts";

async function gateway(dir: string, name: string, bare: string): Promise<RunningGateway> {
  return await startGateway({
    policiesDir: join(dir, name),
    stateDir: join(dir, `${name}-state`),
    listen: "127.0.0.1:0",
    remote: { url: `file://${bare}`, fetchIntervalMs: 60_000, hookListen: "127.0.0.1:0" },
  });
}

/** Plants in `clone` a driver of every kind for every path; each run leaves `trace`. */
async function plantDrivers(clone: string, trace: string): Promise<void> {
  const script = join(clone, "..", "driver.sh");
  await Deno.writeTextFile(script, `#!/bin/sh\ntouch '${trace}'\ncat\n`);
  await Deno.chmod(script, 0o755);
  for (const key of ["filter.evil.clean", "filter.evil.smudge", "diff.evil.textconv"]) {
    await git(clone, "config", key, script);
  }
  await git(clone, "config", "merge.evil.driver", `${script} %A`);
  await Deno.writeTextFile(
    join(clone, ".git", "info", "attributes"),
    "* filter=evil diff=evil merge=evil\n",
  );
}

Deno.test("remote: a sync on gateway B starts no driver its clone's config names", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "tollgate-remote-" }));
  const bare = await makeRemote(dir);
  const a = await gateway(dir, "a", bare);
  const b = await gateway(dir, "b", bare);
  const trace = join(dir, "driver-ran");
  try {
    await plantDrivers(join(dir, "b"), trace);
    const submitted = await a.store.submit({
      ...ruleProposal("api", "api.example.com"),
      sandbox: "sb-test",
    });
    assert.ok(submitted.accepted);
    await a.store.approve(submitted.proposal.id, { approvedBy: "alice" });
    const bob = new GatewayClient({ url: b.url, token: await b.credentials.addReviewer("bob") });
    const end = Date.now() + 15_000;
    while ((await bob.policy("team"))?.revision !== 4) {
      assert.ok(Date.now() < end, "gateway B never served the approval");
      await (await fetch(b.hookUrl!, { method: "POST" })).body?.cancel();
      await new Promise((r) => setTimeout(r, 50));
    }
    // B's own decision is committed and pushed from the same clone.
    const own = await b.store.submit({
      ...ruleProposal("web", "web.example.com"),
      sandbox: "sb-test",
    });
    assert.ok(own.accepted);
    await b.store.approve(own.proposal.id, { approvedBy: "bob" });
    assert.match(await git(bare, "show", "main:team.yaml"), /web:/);
    assert.equal(await Deno.lstat(trace).then(() => true, () => false), false, "a driver ran");
  } finally {
    await a.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});
