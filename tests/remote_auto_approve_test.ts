/**
 * Auto-approval on a gateway that shares its repository (#19, #17): the whole step (patterns,
 * ceiling, delta, approval) is published like a decision — run on the remote's tip, pushed
 * before the submit returns, refused and undone while the remote is unreachable (the proposal
 * then waits for a person).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { TEAM_POLICY } from "./gateway_fixtures.ts";
import type { ProposalInput } from "../proxy/policy_local/mod.ts";
import { git, makeRemote, openRemoteClone, revisions } from "./remote_support.ts";

const CEILING = `version: 1
network_policies:
  auto:
    endpoints:
      - { host: auto.example.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
`;

const PATTERNS = `version: 1
patterns:
  - name: auto_host
    hosts: [auto.example.com]
    ports: [443]
    methods: [GET]
    paths: ["/docs/**"]
    binaries: [/usr/bin/curl]
    max_scope: durable
`;

/** A proposal that fits the pattern and the ceiling, with no finding above info. */
const PROPOSAL: ProposalInput = {
  policy: "team",
  ruleName: "auto_rule",
  rationale: "read the docs",
  rule: {
    name: "auto_rule",
    endpoints: [{
      host: "auto.example.com",
      port: 443,
      protocol: "rest",
      rules: [{ allow: { method: "GET", path: "/docs/**" } }],
    }],
    binaries: [{ path: "/usr/bin/curl" }],
  },
};

const AUTHOR = ["-c", "user.name=B", "-c", "user.email=b@example.test"];

/** Commit `files` (name → text, or null to delete) straight to the remote, from another clone. */
async function changeRemote(
  dir: string,
  bare: string,
  files: Record<string, string | null>,
  subject: string,
): Promise<void> {
  const other = await Deno.makeTempDir({ dir, prefix: "other-" });
  await git(dir, "clone", "--quiet", bare, other);
  for (const [name, text] of Object.entries(files)) {
    if (text === null) await git(other, "rm", "-q", name);
    else await Deno.writeTextFile(join(other, name), text);
  }
  await git(other, ...AUTHOR, "add", "-A");
  await git(other, ...AUTHOR, "commit", "-qm", subject);
  await git(other, "push", "--quiet", "origin", "main");
}

async function openGateway(dir: string) {
  const bare = await makeRemote(dir);
  await changeRemote(
    dir,
    bare,
    { "ceiling.yaml": CEILING, "auto_approve.yaml": PATTERNS },
    "add patterns",
  );
  return { bare, ...await openRemoteClone(dir, bare) };
}

Deno.test("remote #19: auto-approval runs on the remote's tip: a pattern removed on the remote since the last fetch approves nothing (the proposal waits for a person)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-auto-" });
  const { bare, policiesDir, sync, store } = await openGateway(dir);
  try {
    await changeRemote(dir, bare, { "auto_approve.yaml": null }, "no more auto-approval");
    const result = await store.submit(PROPOSAL);
    assert.ok(result.accepted);
    assert.equal(result.proposal.status, "pending", "approved under a pattern the remote removed");
    assert.doesNotMatch(await git(bare, "show", "main:team.yaml"), /auto_rule/);
    assert.doesNotMatch(await Deno.readTextFile(join(policiesDir, "team.yaml")), /auto_rule/);
  } finally {
    await sync.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote #19: an auto-approval after another gateway's approval is on the remote when submit returns, revisions consecutive", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-auto-" });
  const { bare, policiesDir, sync, store } = await openGateway(dir);
  try {
    const block = "  other:\n    endpoints:\n      - { host: o.example.com, port: 443 }\n" +
      "    binaries:\n      - path: /usr/bin/curl\n";
    const next = TEAM_POLICY.replace("revision: 3", "revision: 4")
      .replace("\nfilesystem_policy:", `${block}\nfilesystem_policy:`);
    await changeRemote(dir, bare, { "team.yaml": next }, "policy(team): approve other");
    const result = await store.submit(PROPOSAL);
    assert.ok(result.accepted);
    assert.equal(result.proposal.status, "approved");
    const published = await git(bare, "show", "main:team.yaml");
    assert.match(published, /auto_rule:/);
    assert.match(published, /other:/);
    assert.deepEqual((await revisions(bare)).slice(0, 3), [5, 4, 3]);
    assert.match(
      await git(bare, "log", "-3", "--format=%B", "main"),
      /Approved-By: auto \(auto_host\)/,
    );
    assert.equal(await git(policiesDir, "rev-parse", "HEAD"), await git(bare, "rev-parse", "main"));
  } finally {
    await sync.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote #19: with the remote unreachable an auto-approvable proposal stays pending and the policy untouched; it is pushed pending once the remote is back", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-auto-" });
  const { bare, policiesDir, sync, store } = await openGateway(dir);
  try {
    await Deno.rename(bare, `${bare}.away`);
    const result = await store.submit(PROPOSAL);
    assert.ok(result.accepted);
    assert.equal(result.proposal.status, "pending");
    assert.doesNotMatch(await Deno.readTextFile(join(policiesDir, "team.yaml")), /auto_rule/);
    // The background sync submit started fails while the remote is away (on a busy host it
    // did, racing the rename below): the next publication must still record the proposal.
    await sync.settled();
    await Deno.rename(`${bare}.away`, bare);
    const id = result.proposal.id;
    await sync.publish("wait", () => Promise.resolve());
    assert.match(
      await git(bare, "ls-tree", "-r", "--name-only", "main"),
      new RegExp(`pending/${id}`),
    );
    assert.doesNotMatch(await git(bare, "show", "main:team.yaml"), /auto_rule/);
  } finally {
    await sync.close();
    await Deno.remove(dir, { recursive: true });
  }
});
