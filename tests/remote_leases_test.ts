/**
 * The removal of ended scoped rules on a gateway that shares its repository (#19, #17): it is
 * published like a decision — run on the remote's tip, pushed before it returns (run again on
 * the winner's policy after a lost race), refused while the remote is unreachable.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { RemoteSyncError } from "../gateway/remote/mod.ts";
import { TEAM_POLICY } from "./gateway_fixtures.ts";
import { git, makeRemote, openRemoteClone, revisions } from "./remote_support.ts";

const rule = (key: string, host: string, comment = "") =>
  `${comment}  ${key}:\n    endpoints:\n      - { host: ${host}, port: 443 }\n` +
  "    binaries:\n      - path: /usr/bin/curl\n";

const withRule = (text: string, block: string) =>
  text.replace("\nfilesystem_policy:", `${block}\nfilesystem_policy:`);

const EXPIRED = withRule(
  TEAM_POLICY,
  rule(
    "old_lease",
    "old.example.com",
    "  # tollgate lease scope=lease expires=2020-01-01T00:00:00.000Z\n",
  ),
);

/** Another gateway's approval, pushed straight to the remote: revision 4 with rule `other`. */
async function approvedElsewhere(dir: string, bare: string): Promise<void> {
  const other = join(dir, "other");
  await git(dir, "clone", "--quiet", bare, other);
  const text = await Deno.readTextFile(join(other, "team.yaml"));
  const next = withRule(text.replace("revision: 3", "revision: 4"), rule("other", "o.example.com"));
  await Deno.writeTextFile(join(other, "team.yaml"), next);
  const id = ["-c", "user.name=B", "-c", "user.email=b@example.test"];
  await git(other, ...id, "commit", "-qam", "policy(team): approve other");
  await git(other, "push", "--quiet", "origin", "main");
}

Deno.test("remote #19: a removal of expired rules runs on the remote's tip (another gateway approved since the last fetch) and is on the remote when it returns, revisions consecutive", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-leases-" });
  const bare = await makeRemote(dir, EXPIRED);
  const { policiesDir, sync, store } = await openRemoteClone(dir, bare);
  try {
    await approvedElsewhere(dir, bare);
    const removed = await store.removeEnded({ kind: "expired" });
    assert.deepEqual(removed.map((r) => [r.rules, r.revision]), [[["old_lease"], 5]]);
    const published = await git(bare, "show", "main:team.yaml");
    assert.doesNotMatch(published, /old_lease/, "the removal is not on the remote");
    assert.match(published, /other:/);
    assert.deepEqual(await revisions(bare), [5, 4, 3]);
    assert.equal(await git(policiesDir, "rev-parse", "HEAD"), await git(bare, "rev-parse", "main"));
  } finally {
    await sync.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote #19: with the remote unreachable a removal of expired rules is refused and undone (the sweeper tries again)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-leases-" });
  const bare = await makeRemote(dir, EXPIRED);
  const { policiesDir, sync, store } = await openRemoteClone(dir, bare);
  try {
    await Deno.rename(bare, `${bare}.away`);
    await assert.rejects(
      () => store.removeEnded({ kind: "expired" }),
      (error: Error) =>
        error instanceof RemoteSyncError &&
        /^Cannot remove the ended rules \(expired\): the policy remote is unreachable/.test(
          error.message,
        ),
    );
    assert.match(await Deno.readTextFile(join(policiesDir, "team.yaml")), /old_lease:/);
    await Deno.rename(`${bare}.away`, bare);
    assert.equal((await store.removeEnded({ kind: "expired" })).length, 1);
    assert.doesNotMatch(await git(bare, "show", "main:team.yaml"), /old_lease/);
  } finally {
    await sync.close();
    await Deno.remove(dir, { recursive: true });
  }
});
