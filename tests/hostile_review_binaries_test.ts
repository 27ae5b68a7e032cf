/**
 * A hostile agent against what a reviewer reads of a rule's binaries: a rule for a narrow binary
 * first and a broad glob after it. Before, the patch's `Binary:` line, `proposals show`'s
 * `Binary:` line and the inbox named the first binary alone, and the summary (the patch subject,
 * `git log`) the broadest and a count: a reviewer reading any one of them could under-read what
 * is granted. Every place a reviewer reads now names the same, complete set, broadest first.
 */
import assert from "node:assert/strict";
import { makeRepo, putProposal, TEAM_POLICY } from "./gateway_fixtures.ts";
import { ProposalStore } from "../gateway/mod.ts";
import { approveFields, signInBrowser, withInbox } from "./inbox_fixtures.ts";
import { runCliIn } from "./support/mod.ts";
import { policyLocal } from "./hostile_fixtures.ts";
import { notificationMessage } from "../gateway/mod.ts";

const NARROW = "/usr/bin/curl";
const BROAD = "/usr/local/bin/*";
const BOTH = new RegExp(`${BROAD.replaceAll("*", "\\*")}, ${NARROW}`);

Deno.test("hostile review binaries: the patch, the CLI, the inbox and git log name every binary", () =>
  withInbox(async (f) => {
    const input = putProposal("update x.md");
    input.rule.binaries = [{ path: NARROW }, { path: BROAD }];
    const result = await f.store.submit(input);
    assert.ok(result.accepted, JSON.stringify(result));
    const id = result.proposal.id;
    const patch = await Deno.readTextFile(`${f.repo.policies}/pending/${id}.patch`);
    assert.match(patch, new RegExp(`^Subject: .*${BOTH.source}`, "m"));
    assert.match(patch, new RegExp(`^Binary: ${BOTH.source}$`, "m"));
    const shown = await runCliIn(["proposals", "show", id], f.repo.root);
    assert.match(shown.out, new RegExp(`^ +Binary: +${BOTH.source}$`, "m"), shown.out);
    const listed = await runCliIn(["proposals", "list"], f.repo.root);
    assert.match(listed.out, BOTH, listed.out);
    const b = await signInBrowser(f, f.aliceToken);
    const pending = await (await b.get("/inbox")).text();
    assert.match(pending, BOTH);
    const page = await (await b.get(`/inbox/proposals/${id}`)).text();
    assert.match(page, new RegExp(`<dt>Binary</dt><dd><code>${BOTH.source}</code>`));
    const res = await b.post(`/inbox/proposals/${id}/approve`, approveFields(page));
    assert.equal(res.status, 303);
    const log = await f.repo.git("log", "-1", "--format=%B");
    assert.match(log, BOTH, log);
  }));

Deno.test("hostile review binaries: every JSON answer that has `binary` lists the rule's `binaries` too", () =>
  withInbox(async (f) => {
    const input = { ...putProposal("update x.md"), sandbox: "sb-hostile" };
    input.rule.binaries = [{ path: NARROW }, { path: BROAD }];
    const result = await f.store.submit(input);
    assert.ok(result.accepted, JSON.stringify(result));
    const id = result.proposal.id;
    // A script reading `binary` (OpenShell's field) sees curl alone; `binaries` shows the glob.
    const expected = [NARROW, BROAD];
    const agent = await (await policyLocal(f.store).request(
      `http://policy.local/v1/proposals/${id}`,
    )).json();
    assert.equal(agent.binary, NARROW);
    assert.deepEqual(agent.binaries, expected, JSON.stringify(agent));
    const shown = await runCliIn(["proposals", "show", id, "--json"], f.repo.root);
    assert.deepEqual(JSON.parse(shown.out).binaries, expected, shown.out);
    const listed = await runCliIn(["proposals", "list", "--json"], f.repo.root);
    assert.deepEqual(JSON.parse(listed.out)[0].binaries, expected, listed.out);
    const auth = { headers: { Authorization: `Bearer ${f.aliceToken}` } };
    for (const path of [`/v1/proposals/${id}`, `/v1/proposals/${id}/review`]) {
      const body = await (await f.request(path, auth)).json();
      assert.deepEqual(body.binaries, expected, `${path}: ${JSON.stringify(body)}`);
    }
    const list = await (await f.request("/v1/proposals", auth)).json();
    assert.deepEqual(list.proposals[0].binaries, expected);
    const note = notificationMessage("proposal.created", (await f.store.get(id))!, "http://x/");
    assert.deepEqual(note.binaries, expected);
    // A rule for any binary names none: `binaries` is empty (`binary` reads "any binary").
    const any = { ...putProposal("any"), sandbox: "sb-hostile", ruleName: "any_one" };
    delete any.rule.binaries;
    const anyResult = await f.store.submit(any);
    assert.ok(anyResult.accepted, JSON.stringify(anyResult));
    const anyState = await (await policyLocal(f.store).request(
      `http://policy.local/v1/proposals/${anyResult.proposal.id}`,
    )).json();
    assert.deepEqual(anyState.binaries, []);
  }));

Deno.test("hostile review binaries: a binary the sandbox can write (or a glob reaching one) is a warning", async () => {
  const repo = await makeRepo({
    policy: TEAM_POLICY.replace(
      "  include_workdir: true",
      "  include_workdir: true\n  read_write: [/srv/agent-work]",
    ),
  });
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const findingFor = async (path: string) => {
      const input = { ...putProposal("curl"), ruleName: `r_${path.replace(/\W/g, "_")}` };
      input.rule.binaries = [{ path }];
      const r = await store.submit(input);
      assert.ok(r.accepted, JSON.stringify(r));
      return r.proposal.findings.find((f) => f.code === "writable_binary");
    };
    // Before: each read as "curl" and passed, though the agent can put any program there.
    for (
      const path of [
        "/tmp/tools/curl",
        "/var/tmp/curl",
        "/root/.local/bin/curl",
        "/home/a/bin/curl",
        "/srv/agent-work/bin/curl",
        "/**/curl",
        "/*/curl",
      ]
    ) {
      const f = await findingFor(path);
      assert.equal(f?.severity, "warn", `${path}: ${JSON.stringify(f)}`);
      assert.match(f.message, /any program the agent puts there/);
    }
    for (
      const path of [
        "/usr/bin/curl",
        "/usr/local/bin/*",
        "/srv/agent-workshop/curl",
        "/opt/tools/**",
      ]
    ) {
      assert.equal(await findingFor(path), undefined, path);
    }
  } finally {
    await repo.cleanup();
  }
});
