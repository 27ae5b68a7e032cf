/**
 * A proposal submitted on a gateway while its sync rewrites the policy files (a rebase, a
 * fast-forward: git removes a file and writes it anew) is stored once the sync has ended. Before,
 * the submit read the policy at that moment, found no file and refused the agent with "Unknown
 * policy" (seen in remote_hosts_test under load).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeRemote, openRemoteClone, ruleProposal } from "./remote_support.ts";

Deno.test("remote #19: a submit that meets a sync half-way (the policy file away) is stored after it, never refused as unknown", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-" });
  const bare = await makeRemote(dir);
  const { policiesDir, sync, store } = await openRemoteClone(dir, bare);
  try {
    const file = join(policiesDir, "team.yaml");
    const release = Promise.withResolvers<void>();
    const entered = Promise.withResolvers<void>();
    // A sync in progress: the queue is held while the policy file is away, as git leaves it.
    const held = sync.publish("hold the queue", async () => {
      await Deno.rename(file, `${file}.away`);
      entered.resolve();
      await release.promise;
      await Deno.rename(`${file}.away`, file);
    });
    await entered.promise;
    const submitted = store.submit({ ...ruleProposal("example_api", "api.example.com") });
    // Release the sync once the submit has answered (it must not while the file is away), or
    // after a while (the submit is waiting for the sync, as it should).
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      submitted.catch(() => {}),
      new Promise((resolve) => timer = setTimeout(resolve, 300)),
    ]);
    clearTimeout(timer);
    release.resolve();
    await held;
    const result = await submitted;
    assert.ok(result.accepted, JSON.stringify(result));
  } finally {
    await sync.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote #19: a submit to a policy that does not exist is still refused, after the sync", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-" });
  const bare = await makeRemote(dir);
  const { sync, store } = await openRemoteClone(dir, bare);
  try {
    const result = await store.submit({ ...ruleProposal("x", "api.example.com"), policy: "nope" });
    assert.ok(!result.accepted);
    assert.deepEqual(result.reasons, ['Unknown policy "nope"']);
  } finally {
    await sync.close();
    await Deno.remove(dir, { recursive: true });
  }
});
