/**
 * Issue #14, items 13-16: the agent contract as a harness written for NVIDIA OpenShell's
 * policy advisor sees it. Each test names the OpenShell source it copies: the e2e steps in
 * `e2e/policy-advisor/` (test.sh, wait-smoke.sh), and `policy_local.rs` /
 * `openshell-policy/src/lib.rs` on main (after PR #2850).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { ProposalStore } from "../gateway/mod.ts";
import { runCli } from "../cli/mod.ts";
import { startProxyService } from "../proxy/mod.ts";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { loadPolicyText } from "../proxy/policy/mod.ts";
import { curlArgs, rawRequest } from "./support/mod.ts";
import { makeRepo, putProposal, TEAM_POLICY, type TempRepo } from "./gateway_fixtures.ts";

const LOCAL = "http://policy.local";
const HEX64 = /^[0-9a-f]{64}$/;
/** `PolicyFile` in openshell-policy/src/lib.rs: `deny_unknown_fields` over these keys. */
const OPENSHELL_TOP_KEYS = [
  "version",
  "filesystem_policy",
  "landlock",
  "process",
  "network_policies",
  "network_middlewares",
];

interface Harness {
  repo: TempRepo;
  store: ProposalStore;
  port: number;
  call(path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
}

async function withProxy(fn: (h: Harness) => Promise<void>, policy = TEAM_POLICY): Promise<void> {
  const repo = await makeRepo({ policy });
  const store = new ProposalStore({ policiesDir: repo.policies });
  const service = await startProxyService({
    policy: "team",
    policiesDir: repo.policies,
    stateDir: join(repo.root, ".tollgate"),
    sink: store,
  });
  const proxy = ["-x", `http://127.0.0.1:${service.port}`];
  const call = async (path: string, body?: unknown) => {
    const data = body === undefined ? [] : ["--data-binary", JSON.stringify(body)];
    const res = await curlArgs([...proxy, ...data, `${LOCAL}${path}`]);
    return { status: res.status, json: JSON.parse(res.body) };
  };
  try {
    await fn({ repo, store, port: service.port, call });
  } finally {
    await service.close();
    await repo.cleanup();
  }
}

// OpenShell's submit body; `intent_summary` is optional there (`Option<String>`).
function proposalBody(withSummary = true) {
  const { rule } = putProposal();
  const operations = [{ addRule: { ruleName: "gh_contents_write", rule } }];
  return withSummary ? { intent_summary: "write x.md", operations } : { operations };
}

async function submit(h: Harness, withSummary = true): Promise<string> {
  const res = await h.call("/v1/proposals", proposalBody(withSummary));
  assert.equal(res.status, 202, JSON.stringify(res.json));
  assert.notEqual(res.json.accepted_chunks, 0);
  return (res.json.accepted_chunk_ids as string[])[0]!;
}

const CHUNK_STATE_KEYS = [
  "application_error",
  "binary",
  "candidate_effective_policy_hash",
  "chunk_id",
  "current_effective_policy_hash",
  "rejection_reason",
  "review_token",
  "rule_name",
  "status",
  "validation_result",
];

Deno.test("openshell #14: chunk state carries #2850's fields; the hashes are the policy's before and after approval (wait-smoke.sh Flow A)", () =>
  withProxy(async (h) => {
    const id = await submit(h);
    const before = await h.call("/v1/policy/current");
    const pending = (await h.call(`/v1/proposals/${id}`)).json;
    // policy_local.rs chunk_state_payload: every proto string is present, empty when unset.
    assert.deepEqual(Object.keys(pending).sort(), CHUNK_STATE_KEYS);
    assert.equal(pending.status, "pending");
    assert.equal(pending.binary, "/usr/bin/curl");
    assert.equal(pending.rejection_reason, "");
    assert.equal(pending.application_error, "");
    assert.match(pending.review_token as string, HEX64);
    assert.equal(pending.current_effective_policy_hash, before.json.hash);
    assert.match(pending.candidate_effective_policy_hash as string, HEX64);
    assert.notEqual(pending.candidate_effective_policy_hash, before.json.hash);

    await h.store.approve(id, { approvedBy: "alice" });
    const waited = await h.call(`/v1/proposals/${id}/wait?timeout=10`);
    assert.equal(waited.status, 200);
    const approved = waited.json;
    assert.deepEqual(Object.keys(approved).sort(), [...CHUNK_STATE_KEYS, "policy_reloaded"].sort());
    assert.equal(approved.status, "approved");
    assert.equal(approved.policy_reloaded, true);
    assert.equal(approved.rejection_reason, "", "an approved proposal sends an empty reason");
    assert.equal(approved.application_error, "");
    const after = await h.call("/v1/policy/current");
    // What was reviewed is what is enforced: the candidate hash is the new policy's hash.
    assert.equal(approved.candidate_effective_policy_hash, after.json.hash);
    assert.equal(approved.current_effective_policy_hash, before.json.hash);
    assert.equal(approved.review_token, pending.review_token);
  }));

Deno.test("openshell #14: a rejection's reason round-trips exactly, hashes empty (wait-smoke.sh Flow B)", () =>
  withProxy(async (h) => {
    const id = await submit(h);
    const reason = "scope to docs/ paths only, not the whole repo";
    await h.store.reject(id, { rejectedBy: "bob", reason });
    const { json } = await h.call(`/v1/proposals/${id}/wait?timeout=5`);
    assert.deepEqual(Object.keys(json).sort(), CHUNK_STATE_KEYS);
    assert.equal(json.status, "rejected");
    assert.equal(json.rejection_reason, reason);
    assert.equal(json.candidate_effective_policy_hash, "");
    assert.equal(json.review_token, "");
  }));

Deno.test("openshell #14: application_error says why a pending proposal cannot apply now (#2850 candidate preflight)", () =>
  withProxy(async (h) => {
    const id = await submit(h);
    // Someone adds a rule under the same key by hand: the reviewed rule no longer applies.
    const file = join(h.repo.policies, "team.yaml");
    const taken = TEAM_POLICY.replace(
      "\nfilesystem_policy:",
      "  gh_contents_write:\n    endpoints: [{ host: example.com, port: 443 }]\n" +
        "    binaries: [{ path: /usr/bin/curl }]\n\nfilesystem_policy:",
    );
    await Deno.writeTextFile(file, taken);
    const { json } = await h.call(`/v1/proposals/${id}`);
    assert.equal(json.status, "pending");
    assert.match(json.application_error as string, /already has a rule "gh_contents_write"/);
    assert.equal(json.current_effective_policy_hash, loadPolicyText(taken, "team.yaml").hash);
    assert.equal(json.candidate_effective_policy_hash, "");
    assert.equal(json.review_token, "");
  }));

Deno.test("openshell #15: an unknown chunk id answers 404 chunk_not_found in OpenShell's shape (policy_local.rs chunk_not_found_payload)", () =>
  withProxy(async (h) => {
    for (const path of ["/v1/proposals/p-unknown", "/v1/proposals/p-unknown/wait?timeout=1"]) {
      const res = await h.call(path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.json, {
        error: "chunk_not_found",
        detail: "chunk 'p-unknown' is not present in this sandbox's draft policy",
      });
    }
  }));

Deno.test("openshell #15: a proposal without intent_summary is accepted (policy_local.rs ProposalRequest: Option<String>)", () =>
  withProxy(async (h) => {
    const id = await submit(h, false);
    assert.equal((await h.call(`/v1/proposals/${id}`)).json.status, "pending");
    const wrong = await h.call("/v1/proposals", { ...proposalBody(), intent_summary: 7 });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json.error, "invalid_proposal");
  }));

Deno.test("openshell #15: the 403 carries X-OpenShell-Policy with X-Tollgate-Policy's value (test.sh put-file step)", () =>
  withProxy(async (h) => {
    const res = await rawRequest(
      h.port,
      "GET http://blocked.example/x HTTP/1.1\r\nHost: blocked.example\r\n\r\n",
    );
    assert.equal(res.status, 403);
    const header = (name: string) =>
      new RegExp(`^${name}: (.*)$`, "mi").exec(res.head)?.[1]?.trim();
    assert.ok(header("X-Tollgate-Policy") !== undefined, res.head);
    assert.equal(header("X-OpenShell-Policy"), header("X-Tollgate-Policy"));
  }));

Deno.test("openshell #15: each /v1/denials entry keeps OpenShell's raw line in `line` (policy_local.rs is_ocsf_denial_line)", () =>
  withProxy(async (h) => {
    const denied = await curlArgs([
      "-x",
      `http://127.0.0.1:${h.port}`,
      "http://blocked.example/a?token=s3cret",
    ]);
    assert.equal(denied.status, 403);
    const { json } = await h.call("/v1/denials?last=5");
    const [entry] = json.denials as { line: string }[];
    // `<ISO time> OCSF <shorthand>` as in the log file; an OpenShell agent greps these tokens.
    assert.match(
      entry!.line,
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z OCSF NET:\S+ \[MED\] DENIED /,
    );
    assert.ok(entry!.line.includes(" OCSF ") && entry!.line.includes(" DENIED "));
    assert.ok(!entry!.line.includes("s3cret"));
  }));

Deno.test("openshell #16: an approved policy has only keys OpenShell's parser accepts; the revision is a comment", () =>
  withProxy(async (h) => {
    const id = await submit(h);
    const result = await h.store.approve(id, { approvedBy: "alice" });
    const text = await Deno.readTextFile(join(h.repo.policies, "team.yaml"));
    for (const key of Object.keys(parse(text))) {
      assert.ok(OPENSHELL_TOP_KEYS.includes(key), `OpenShell refuses top-level key "${key}"`);
    }
    // The old `revision: 3` key was migrated in place, and the counter still counts.
    assert.match(text, /^version: 1\n# tollgate-revision: 4\n/m);
    assert.equal(result.revision, 4);
    assert.equal(loadPolicyText(text, "team.yaml").policy.revision, 4);
    // The proxy reloads from its file watch: wait for it rather than read before it has.
    let revision: unknown;
    for (const deadline = Date.now() + 10_000; revision !== 4 && Date.now() < deadline;) {
      revision = (await h.call("/v1/policy/current")).json.revision;
      if (revision !== 4) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(revision, 4, "the proxy serves the approved revision");
  }));

Deno.test("openshell #16: a file with a legacy revision key still loads at its revision; shipped policies have none", async () => {
  assert.equal(loadPolicyText(TEAM_POLICY, "team.yaml").policy.revision, 3);
  const dir = new URL("../policies/", import.meta.url);
  const files = [
    "demo.yaml",
    ...[...Deno.readDirSync(new URL("examples/", dir))].map((e) => `examples/${e.name}`),
  ];
  // auto_approve.yaml holds Tollgate's auto-approval patterns, not a policy OpenShell loads.
  const policies = files.filter((f) => f.endsWith(".yaml") && f !== "examples/auto_approve.yaml");
  for (const name of policies) {
    const text = await Deno.readTextFile(new URL(name, dir));
    for (const key of Object.keys(parse(text))) {
      assert.ok(OPENSHELL_TOP_KEYS.includes(key), `${name}: OpenShell refuses "${key}"`);
    }
  }
});

async function sandboxDeny(isolate: "env" | "netns"): Promise<{ path: string; skill: string }> {
  const dir = await Deno.makeTempDir({ prefix: "tg-contract-" });
  try {
    await Deno.mkdir(join(dir, "policies"));
    await Deno.writeTextFile(join(dir, "policies", "p.yaml"), "version: 1\n");
    const out = join(dir, "out");
    await Deno.mkdir(out);
    // Inside the sandbox: take the 403's read_skill path and read that file, as an agent would.
    const script = `curl -sS http://blocked.example/x > "$0/deny.json"; ` +
      `p=$(sed -n 's/.*"action":"read_skill","path":"\\([^"]*\\)".*/\\1/p' "$0/deny.json"); ` +
      `printf %s "$p" > "$0/path.txt"; cat "$p" > "$0/skill.txt"`;
    const env = { PATH: Deno.env.get("PATH"), HOME: dir, NO_COLOR: "1" };
    let err = "";
    const ctx = {
      cwd: dir,
      env,
      out: () => {},
      err: (t: string) => void (err += t),
      isTTY: false,
      signal: new AbortController().signal,
      setExitCode: () => {},
    };
    const args = ["sandbox", "run", "--policy", "p", "--isolate", isolate, "--"];
    assert.equal(await runCli([...args, "sh", "-c", script, out], ctx), 0, err);
    const read = (name: string) => Deno.readTextFile(join(out, name)).catch(() => "");
    return { path: await read("path.txt"), skill: await read("skill.txt") };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const isolate of ["env", "netns"] as const) {
  Deno.test(`openshell #13: in a ${isolate} sandbox, next_steps[0].path names a skill the command can read, not the host checkout (test.sh check-skill)`, async (t) => {
    if (isolate === "netns" && await detectIsolation() !== "netns") {
      return void await t.step({ name: "netns unavailable here", ignore: true, fn: () => {} });
    }
    const shipped = await Deno.readTextFile(
      new URL("../skills/policy_advisor.md", import.meta.url),
    );
    const { path, skill } = await sandboxDeny(isolate);
    assert.ok(path.startsWith("/"), `read_skill path: "${path}"`);
    assert.ok(!path.startsWith(new URL("..", import.meta.url).pathname), path);
    assert.equal(skill, shipped, `the sandbox read ${path}`);
  });
}

Deno.test("openshell #13: in a netns sandbox the skill is also at OpenShell's paths under /etc/openshell/skills", async (t) => {
  if (await detectIsolation() !== "netns") {
    return void await t.step({ name: "netns unavailable here", ignore: true, fn: () => {} });
  }
  const shipped = await Deno.readTextFile(new URL("../skills/policy_advisor.md", import.meta.url));
  const dir = await Deno.makeTempDir({ prefix: "tg-contract-" });
  try {
    await Deno.mkdir(join(dir, "policies"));
    await Deno.writeTextFile(join(dir, "policies", "p.yaml"), "version: 1\n");
    const out = join(dir, "out");
    await Deno.mkdir(out);
    const script = `cat /etc/openshell/skills/policy_advisor.md > "$0/flat.md"; ` +
      `cat /etc/openshell/skills/policy-advisor/SKILL.md > "$0/skill.md"; ` +
      `touch /etc/openshell/skills/x 2> /dev/null && echo writable > "$0/writable"; true`;
    let err = "";
    const ctx = {
      cwd: dir,
      env: { PATH: Deno.env.get("PATH"), HOME: dir, NO_COLOR: "1" },
      out: () => {},
      err: (text: string) => void (err += text),
      isTTY: false,
      signal: new AbortController().signal,
      setExitCode: () => {},
    };
    const args = ["sandbox", "run", "--policy", "p", "--isolate", "netns", "--"];
    assert.equal(await runCli([...args, "sh", "-c", script, out], ctx), 0, err);
    const read = (name: string) => Deno.readTextFile(join(out, name)).catch(() => "");
    assert.equal(await read("flat.md"), shipped);
    assert.match(await read("skill.md"), /^---\nname: tollgate-policy-advisor/);
    assert.equal(await read("writable"), "", "the skills are read-only in the sandbox");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
