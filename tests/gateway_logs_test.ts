import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/mod.ts";
import { configEvent, ocsfEventFromDecision, OcsfLog } from "../proxy/ocsf/mod.ts";
import { CredentialStore, ProposalStore } from "../gateway/mod.ts";
import {
  captureCtx,
  HOSTILE_RATIONALE,
  makeRepo,
  putProposal,
  runTollgate,
} from "./gateway_fixtures.ts";
import { l7Denial, waitFor } from "./support/mod.ts";

async function stateWithEvents(root: string): Promise<OcsfLog> {
  const log = new OcsfLog(join(root, ".tollgate", "logs"));
  const now = Date.now();
  await log.append(
    configEvent("LOADED", "Policy loaded", {
      revision: 3,
      hash: "3f2a",
      time: now - 3 * 3_600_000,
    }),
  );
  await log.append(ocsfEventFromDecision(l7Denial(), { time: now - 60_000 }));
  await log.append(
    configEvent("APPROVED", "proposal approved \x1b[2J", { revision: 4, hash: "9c1b", time: now }),
  );
  return log;
}

Deno.test("logs renders the shorthand, filters --denied and --since, never prints escapes", async () => {
  const repo = await makeRepo({ git: false });
  try {
    await stateWithEvents(repo.root);
    const all = captureCtx(repo.root);
    assert.equal(await runCli(["logs"], all.ctx), 0);
    const lines = all.out.join("").trimEnd().split("\n");
    assert.equal(lines.length, 3);
    assert.match(
      lines[0]!,
      /^\d{4}-\d\d-\d\dT[\d:.]+Z OCSF CONFIG:LOADED \[INFO\] Policy loaded \[version:3 hash:3f2a\]$/,
    );
    assert.match(
      lines[1]!,
      / OCSF HTTP:PUT \[MED\] DENIED .*PUT http:\/\/api\.github\.com:443\/repos\/o\/r\/contents\/x\.md \[policy:gh_ro engine:l7\]/,
    );
    assert.ok(!all.out.join("").includes("\x1b"));
    const denied = captureCtx(repo.root);
    await runCli(["logs", "--denied"], denied.ctx);
    assert.equal(denied.out.join("").trimEnd().split("\n").length, 1);
    const recent = captureCtx(repo.root);
    await runCli(["logs", "--since", "2h", "--json"], recent.ctx);
    const parsed = recent.out.join("").trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(parsed.length, 2);
    assert.equal(await runCli(["logs", "--since", "yesterday"], captureCtx(repo.root).ctx), 2);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("logs --follow prints events appended later", async () => {
  const repo = await makeRepo({ git: false });
  try {
    const log = await stateWithEvents(repo.root);
    const c = captureCtx(repo.root);
    const running = runCli(["logs", "--follow", "--denied"], c.ctx);
    await waitFor(() => c.out.length === 1, "the first event");
    await log.append(configEvent("LOADED", "not a denial", { revision: 5 }));
    await log.append(ocsfEventFromDecision({
      verdict: "deny",
      layer: "l4",
      reason: "no matching policy",
      host: "evil.example",
      port: 443,
    }));
    await waitFor(() => c.out.length === 2, "the second event");
    c.controller.abort();
    assert.equal(await running, 0);
    assert.match(c.out[1]!, /NET:OPEN \[MED\] DENIED .*evil\.example:443/);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("rule get renders OpenShell's layout per policy", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const a = await store.submit(putProposal(HOSTILE_RATIONALE.slice(0, 300)));
    // A different rule: the same rule pending for the sandbox would not be stored twice.
    const second = { ...putProposal("needed"), ruleName: "second" };
    second.rule.endpoints[0]!.rules = [{ allow: { method: "PUT", path: "/repos/o/r/contents/y" } }];
    const b = await store.submit(second);
    assert.ok(a.accepted && b.accepted);
    await store.reject(b.proposal.id, { reason: "no", guidance: "too_broad" });
    const c = captureCtx(repo.root);
    assert.equal(await runCli(["rule", "get", "--policy", "team"], c.ctx), 0);
    const text = c.out.join("");
    assert.match(text, /^Network Rules: team \(revision 3, 2 proposal\(s\)\)\n/);
    assert.match(
      text,
      new RegExp(
        `  Proposal: {3}${a.proposal.id}\\n  Status: {5}pending\\n  Rule: {7}gh_contents_write\\n  Binary: {5}/usr/bin/curl\\n  Rationale: {2}Innocent start \u241b\\[31mRED`,
      ),
    );
    assert.match(
      text,
      / {2}Endpoints: {2}api\.github\.com:443 \[L7 rest, allow PUT \/repos\/o\/r\/contents\/x\.md\]\n/,
    );
    assert.match(text, / {2}Checks: {5}info enforcement_defaulted: /);
    assert.match(text, / {2}Decision: {3}rejected by reviewer: no \[guidance: too_broad\]/);
    assert.ok(!text.includes("\x1b"));
    const pending = captureCtx(repo.root);
    await runCli(["rule", "get", "--status", "approved"], pending.ctx);
    assert.equal(pending.out.join(""), "No network rules for policy 'team'\n");
    assert.equal(await runCli(["rule", "get", "--policy", "../x"], captureCtx(repo.root).ctx), 2);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("tollgate gateway runs as a real process and stops on SIGTERM", async () => {
  const repo = await makeRepo();
  try {
    const main = new URL("../main.ts", import.meta.url).pathname;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", main, "gateway", "--listen", "127.0.0.1:0"],
      cwd: repo.root,
      env: { RUST_BACKTRACE: "0", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("\n")) out += (await reader.read()).value ?? "";
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    assert.ok(url, out);
    // A reviewer added beside the running gateway (as `tollgate reviewers add` does) may read.
    const token = await new CredentialStore(join(repo.root, ".tollgate")).addReviewer("alice");
    const res = await fetch(`${url}/v1/policies/team`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal((await res.json()).revision, 3);
    child.kill("SIGTERM");
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    await child.stderr.cancel();
    assert.equal((await child.status).code, 0);
    assert.match(out, /Gateway stopped/);
    const usage = await runTollgate(["gateway", "--listen", "0.0.0.0:1"], { cwd: repo.root });
    assert.equal(usage.code, 2);
  } finally {
    await repo.cleanup();
  }
});
