import assert from "node:assert/strict";
import { join } from "node:path";
import { isProposalId, ProposalStore } from "../gateway/mod.ts";
import {
  HOSTILE_RATIONALE,
  insertedText,
  makeRepo,
  putProposal,
  TEAM_POLICY,
} from "./gateway_fixtures.ts";

const FIXED = new Date("2026-05-06T17:02:04.123Z");

async function submitOne(store: ProposalStore, rationale?: string) {
  const result = await store.submit(putProposal(rationale));
  assert.ok(result.accepted, JSON.stringify(result));
  return result.proposal;
}

Deno.test("ProposalStore.submit() writes a format-patch that git apply --check and git am accept", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies, now: () => FIXED });
    const proposal = await submitOne(store);
    assert.ok(isProposalId(proposal.id));
    assert.equal(proposal.status, "pending");
    assert.equal(proposal.ruleName, "gh_contents_write");
    assert.equal(proposal.binary, "/usr/bin/curl");
    assert.equal(proposal.rule.endpoints[0]?.enforcement, "enforce");
    assert.ok(proposal.findings.some((f) => f.code === "enforcement_defaulted"));
    const file = join(repo.policies, "pending", `${proposal.id}.patch`);
    const text = await Deno.readTextFile(file);
    assert.match(text, /^From 0{40} Mon Sep 17 00:00:00 2001\n/);
    assert.match(
      text,
      /\nSubject: \[PATCH\] policy\(team\): allow PUT api\.github\.com:443 \/repos\/o\/r\/contents\/x\.md for \/usr\/bin\/curl\n/,
    );
    assert.match(text, /\ndiff --git a\/policies\/team\.yaml b\/policies\/team\.yaml\n/);
    assert.equal((await repo.gitResult(["apply", "--check", file])).code, 0);
    await repo.git("am", "--quiet", file);
    const applied = await Deno.readTextFile(join(repo.policies, "team.yaml"));
    // Everything of the original file is kept, byte for byte; one block of lines was added.
    const block = insertedText(TEAM_POLICY, applied);
    assert.ok(block?.startsWith(`  # tollgate proposal ${proposal.id}\n  gh_contents_write:\n`));
    assert.ok(applied.includes(`# tollgate proposal ${proposal.id}`));
    assert.match(await repo.git("log", "-1", "--format=%s"), /^policy\(team\): allow PUT/);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.submit() uses paths relative to the policies directory outside Git", async () => {
  const repo = await makeRepo({ git: false });
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const proposal = await submitOne(store);
    const text = await Deno.readTextFile(join(repo.policies, "pending", `${proposal.id}.patch`));
    assert.match(text, /\ndiff --git a\/team\.yaml b\/team\.yaml\n/);
    const check = new Deno.Command("git", {
      args: ["apply", "--check", join("pending", `${proposal.id}.patch`)],
      cwd: repo.policies,
      stdout: "null",
      stderr: "piped",
    });
    assert.equal((await check.output()).code, 0);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.submit() keeps a hostile rationale out of the diff and the terminal", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const clean = await submitOne(store, "plain");
    const hostile = await submitOne(store, HOSTILE_RATIONALE);
    const read = (id: string) => Deno.readTextFile(join(repo.policies, "pending", `${id}.patch`));
    const text = await read(hostile.id);
    const diffOf = (t: string) => t.slice(t.indexOf("\n---\n")).replace(/\nindex .*\n/, "\n");
    assert.equal(
      diffOf(text).replaceAll(hostile.id, "ID"),
      diffOf(await read(clean.id)).replaceAll(clean.id, "ID"),
    );
    // deno-lint-ignore no-control-regex
    assert.ok(!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(text), "no control characters in the patch");
    assert.ok(text.length < 20_000, "the rationale is truncated");
    assert.ok(
      !/^(From |---$|diff |\+\+\+ |@@ )/m.test(
        text.slice(text.indexOf("\n\n"), text.indexOf("\n---\n")),
      ),
    );
    // git mailinfo sees our subject and one patch, and the quoted lines stay in the message.
    const info = await repo.gitResult(["mailinfo", "/dev/null", "/dev/null"], text);
    assert.match(info.stdout, /^Subject: policy\(team\): allow PUT/m);
    assert.doesNotMatch(info.stdout, /evil/);
    const mailsplit = await Deno.makeTempDir({ dir: repo.root });
    const split = await repo.gitResult(["mailsplit", `-o${mailsplit}`], text);
    assert.equal(split.stdout.trim(), "1");
    assert.equal(
      (await repo.gitResult(["apply", "--check", join("policies/pending", `${hostile.id}.patch`)]))
        .code,
      0,
    );
    await repo.git("am", "--quiet", join("policies/pending", `${hostile.id}.patch`));
    const policy = await Deno.readTextFile(join(repo.policies, "team.yaml"));
    assert.ok(!policy.includes("evil_rule"));
    const record = await store.get(hostile.id);
    assert.ok(
      // deno-lint-ignore no-control-regex
      record && !/[\x00-\x1f\x7f-\x9f\u202e]/.test(record.meta.rationale.replaceAll("\n", "")),
    );
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.submit() refuses private targets and reports broad grants", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    for (
      const host of [
        "127.0.0.1",
        "10.1.2.3",
        "169.254.169.254",
        "localhost",
        "metadata.google.internal",
        "[::1]",
      ]
    ) {
      const input = putProposal();
      input.rule.endpoints[0]!.host = host;
      const result = await store.submit(input);
      assert.equal(result.accepted, false, host);
      assert.ok(
        !result.accepted && result.reasons.some((r) => r.startsWith("private_target")),
        host,
      );
    }
    // A host-less endpoint is refused naming its addresses, not an empty host.
    const hostless = putProposal();
    hostless.rule.endpoints = [{ port: 6379, allowed_ips: ["10.9.0.0/16"] }];
    const refused = await store.submit(hostless);
    assert.ok(!refused.accepted);
    assert.ok(
      refused.reasons.some((r) => r.includes("allowed_ips on 10.9.0.0/16 would open")),
      refused.reasons.join("; "),
    );
    const broad = putProposal();
    broad.rule.endpoints = [{ host: "*.example.com", port: 443, protocol: "rest", access: "full" }];
    const r1 = await store.submit(broad);
    assert.ok(r1.accepted);
    const codes = r1.proposal.findings.map((f) => f.code);
    assert.ok(codes.includes("wildcard_host") && codes.includes("access_full"));
    const l4 = putProposal();
    l4.rule.endpoints = [{ host: "API.github.com", port: 443 }];
    const r2 = await store.submit(l4);
    assert.ok(r2.accepted && r2.proposal.findings.some((f) => f.code === "use_l7_not_l4"));
    const covered = putProposal();
    covered.rule.endpoints = [{
      host: "api.github.com",
      port: 443,
      protocol: "rest",
      enforcement: "enforce",
      access: "read-only",
    }];
    const r3 = await store.submit(covered);
    assert.ok(r3.accepted && r3.proposal.findings.some((f) => f.code === "already_covered"));
    const bad = putProposal();
    (bad.rule as unknown as Record<string, unknown>).endpoints = [];
    const r4 = await store.submit(bad);
    assert.ok(!r4.accepted && r4.reasons.some((r) => r.startsWith("schema")));
    const unknownPolicy = { ...putProposal(), policy: "../etc" };
    assert.equal((await store.submit(unknownPolicy)).accepted, false);
    assert.equal(await store.status("../../etc/passwd"), undefined);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.submit() never reuses an existing rule key", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const input = putProposal();
    input.ruleName = "GH RO";
    const result = await store.submit(input);
    assert.ok(result.accepted);
    assert.equal(result.proposal.ruleName, "gh_ro_2");
  } finally {
    await repo.cleanup();
  }
});
