/**
 * Hostile cases of the remote (#19): what the repository's own config plants never runs on a
 * fetch or push, credentials in the remote URL are never shown, the hook route carries
 * nothing, and the hook refuses URLs it would have to escape.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { GatewayClient, startGateway, subscribePolicy } from "../gateway/mod.ts";
import {
  postReceiveHook,
  RemoteProposalStore,
  RemoteSync,
  RemoteSyncError,
} from "../gateway/remote/mod.ts";
import { git, makeRemote, ruleProposal } from "./remote_support.ts";

const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);

async function plantedClone(dir: string, bare: string, config: string[][]): Promise<string> {
  const clone = join(dir, "clone");
  await git(dir, "clone", "--quiet", bare, clone);
  for (const [key, value] of config) await git(clone, "config", key!, value!);
  return clone;
}

/** Open a sync of `clone` with `url`, run its first fetch, close it. */
async function syncOnce(clone: string, url: string): Promise<void> {
  const sync = await RemoteSync.open({ policiesDir: clone, url, fetchIntervalMs: 0 });
  await sync.start();
  await sync.close();
}

Deno.test("remote #19: a protocol allow and insteadOf planted in the clone's config cannot run ext:: on a fetch", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-hostile-" });
  try {
    const bare = await makeRemote(dir);
    const marker = join(dir, "pwned");
    const clone = await plantedClone(dir, bare, [
      ["protocol.ext.allow", "always"],
      [`url.ext::touch ${marker}.insteadOf`, `file://${bare}`],
    ]);
    await syncOnce(clone, `file://${bare}`);
    assert.equal(await exists(marker), false, "ext:: ran a planted command");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote #19: a core.sshCommand planted in the clone's config is not the ssh that runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-hostile-" });
  try {
    const bare = await makeRemote(dir);
    const marker = join(dir, "pwned");
    const clone = await plantedClone(dir, bare, [["core.sshCommand", `touch ${marker}; false`]]);
    await syncOnce(clone, "ssh://127.0.0.1:1/x.git");
    assert.equal(await exists(marker), false, "the planted ssh command ran");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote #19: a password in the remote URL never appears in an error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-hostile-" });
  try {
    const error = await startGateway({
      policiesDir: join(dir, "clone"),
      stateDir: join(dir, "state"),
      listen: "127.0.0.1:0",
      remote: { url: "http://agent:s3cret-token@127.0.0.1:9/policies.git", fetchIntervalMs: 0 },
    }).then(() => undefined, (e: Error) => e);
    assert.ok(error, "the gateway started without its remote");
    assert.doesNotMatch(error.message, /s3cret/);
    assert.match(error.message, /http:\/\/\*\*\*@127\.0\.0\.1:9/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote #19: the remote hook route needs no credential and takes nothing: any body, one fetch", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-hostile-" });
  const bare = await makeRemote(dir);
  const gw = await startGateway({
    policiesDir: join(dir, "a"),
    stateDir: join(dir, "state"),
    listen: "127.0.0.1:0",
    remote: { url: `file://${bare}`, fetchIntervalMs: 0, hookListen: "127.0.0.1:0" },
  });
  try {
    const body = JSON.stringify({ policy_yaml: "network_policies: {evil: {}}" });
    const posted = await fetch(gw.hookUrl!, { method: "POST", body });
    assert.equal(posted.status, 202);
    assert.equal(await posted.text(), "");
    const other = await fetch(gw.hookUrl!.replace("/v1/remote-changed", "/v1/proposals"));
    await other.body?.cancel();
    assert.equal(other.status, 404);
    assert.doesNotMatch(await Deno.readTextFile(join(dir, "a", "team.yaml")), /evil/);
  } finally {
    await gw.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote #19: the hook refuses a gateway URL it would have to quote for the shell", () => {
  assert.throws(() => postReceiveHook(["http://x/'; rm -rf / #"]), TypeError);
  assert.match(
    postReceiveHook(["http://10.0.0.2:8788/v1/remote-changed"]),
    /'http:\/\/10\.0\.0\.2:8788\/v1\/remote-changed'/,
  );
});

Deno.test("remote #19: an approval the remote refuses is never sent to the gateway's proxies", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-hostile-" });
  const bare = await makeRemote(dir);
  const gw = await startGateway({
    policiesDir: join(dir, "a"),
    stateDir: join(dir, "state"),
    listen: "127.0.0.1:0",
    remote: { url: `file://${bare}`, fetchIntervalMs: 0 },
  });
  const controller = new AbortController();
  const seen: number[] = [];
  let following: Promise<void> | undefined;
  try {
    const submitted = await gw.store.submit({
      ...ruleProposal("api_a", "a.example.com"),
      sandbox: "sb",
    });
    assert.ok(submitted.accepted);
    const { token } = await gw.credentials.enrolProxy("team");
    const client = new GatewayClient({ url: gw.url, token });
    following = subscribePolicy(
      client,
      "team",
      (_t, v) => void seen.push(v.revision),
      controller.signal,
    );
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    // The remote takes the pending proposal, then refuses every later push.
    const pending = `pending/${submitted.proposal.id}.patch`;
    while ((await git(bare, "ls-tree", "--name-only", "main", pending)).trim() === "") {
      await new Promise((r) => setTimeout(r, 10));
    }
    await Deno.writeTextFile(join(bare, "hooks", "pre-receive"), "#!/bin/sh\nexit 1\n", {
      mode: 0o755,
    });
    await assert.rejects(
      () => gw.store.approve(submitted.proposal.id, { approvedBy: "alice" }),
      (error: Error) =>
        error instanceof RemoteSyncError && /pre-receive hook declined/.test(error.message),
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(seen, [3]);
    assert.equal(gw.store instanceof RemoteProposalStore, true);
    assert.equal((await gw.store.get(submitted.proposal.id))?.state, "pending");
  } finally {
    controller.abort();
    await following;
    await gw.close();
    await Deno.remove(dir, { recursive: true });
  }
});
