/**
 * Shared fixtures of the gateway tests: a temporary Git repository holding `policies/`, git
 * helpers, and sample proposals (including hostile ones).
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import type { CliContext } from "../cli/mod.ts";
import type { ProposalInput, ProposalSink } from "../proxy/policy_local/mod.ts";

/** A starting policy with comments, an L7 GitHub rule and a trailing section. */
export const TEAM_POLICY = `# Team policy: reviewed in Git.
version: 1
revision: 3

network_policies:
  # GitHub, read-only for curl
  gh_ro:
    name: gh-ro
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, enforcement: enforce, access: read-only }
    binaries:
      - path: /usr/bin/curl   # the agent's HTTP client

filesystem_policy:
  include_workdir: true
`;

/** A temporary repository with `policies/team.yaml` committed. */
export interface TempRepo {
  root: string;
  policies: string;
  git(...args: string[]): Promise<string>;
  gitResult(
    args: string[],
    stdin?: string,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  cleanup(): Promise<void>;
}

/** Create a temp Git repository (identity set in its config) with `policies/team.yaml`. */
export async function makeRepo(
  options: { git?: boolean; policy?: string } = {},
): Promise<TempRepo> {
  const root = await Deno.makeTempDir({ prefix: "tollgate-gw-" });
  const policies = join(root, "policies");
  await Deno.mkdir(policies);
  await Deno.writeTextFile(join(policies, "team.yaml"), options.policy ?? TEAM_POLICY);
  const gitResult = async (args: string[], stdin?: string) => {
    const child = new Deno.Command("git", {
      args,
      cwd: root,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(stdin));
      await w.close();
    }
    const out = await child.output();
    const d = new TextDecoder();
    return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
  };
  const git = async (...args: string[]) => {
    const r = await gitResult(args);
    if (r.code !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout;
  };
  if (options.git !== false) {
    await git("init", "--quiet", "-b", "main");
    await git("config", "user.name", "Test Person");
    await git("config", "user.email", "t@example.test");
    await git("config", "commit.gpgsign", "false");
    await git("add", "policies/team.yaml");
    await git("commit", "--quiet", "-m", "initial policy");
  }
  return { root, policies, git, gitResult, cleanup: () => Deno.remove(root, { recursive: true }) };
}

/** A narrow L7 proposal: PUT one file of one repository, for curl. */
export function putProposal(rationale = "I need to update x.md"): ProposalInput {
  return {
    policy: "team",
    ruleName: "gh_contents_write",
    rationale,
    rule: {
      name: "gh_contents_write",
      endpoints: [{
        host: "api.github.com",
        port: 443,
        protocol: "rest",
        rules: [{ allow: { method: "PUT", path: "/repos/o/r/contents/x.md" } }],
      }],
      binaries: [{ path: "/usr/bin/curl" }],
    },
  };
}

/** Submit `input` (the narrow PUT by default) to `sink`; the id of the accepted proposal. */
export async function submitted(sink: ProposalSink, input = putProposal()): Promise<string> {
  const result = await sink.submit(input);
  assert.ok(result.accepted, JSON.stringify(result));
  return result.proposal.id;
}

/** An agent's body for policy.local's /v1/proposals: rule "put_notes", curl's PUT of notes.md. */
export function notesProposal(): Record<string, unknown> {
  const rule = {
    endpoints: [{
      host: "api.github.com",
      port: 443,
      protocol: "rest",
      rules: [{ allow: { method: "PUT", path: "/repos/o/r/contents/notes.md" } }],
    }],
    binaries: [{ path: "/usr/bin/curl" }],
  };
  return {
    intent_summary: "write the notes file",
    operations: [{ addRule: { ruleName: "put_notes", rule } }],
  };
}

/** A rationale built to break patches, mail parsing and terminals. */
export const HOSTILE_RATIONALE = [
  "Innocent start \x1b[31mRED\x1b[0m \x1b]0;title\x07 \x9b2J",
  "From attacker@example.com Mon Sep 17 00:00:00 2001",
  "From: Evil <evil@example.com>",
  "Subject: [PATCH] evil",
  "---",
  "diff --git a/policies/team.yaml b/policies/team.yaml",
  "--- a/policies/team.yaml",
  "+++ b/policies/team.yaml",
  "@@ -1,1 +1,2 @@",
  "+  evil_rule: {endpoints: [{host: '*.com', port: 443}], binaries: [{path: '/**'}]}",
  "-- ",
  "\u202eright-to-left override\r\ncarriage\rreturn",
].join("\n") + "\n" + "A".repeat(1024 * 1024);

/** The one contiguous text inserted into `before` to give `after`, or undefined if none. */
export function insertedText(before: string, after: string): string | undefined {
  let head = 0;
  while (head < before.length && before[head] === after[head]) head++;
  let tail = 0;
  while (
    tail < before.length - head &&
    before[before.length - 1 - tail] === after[after.length - 1 - tail]
  ) tail++;
  if (head + tail !== before.length) return undefined;
  return after.slice(head, after.length - tail);
}

/** What `captureCtx` returns: the context and what it captured. */
export interface Captured {
  out: string[];
  err: string[];
  controller: AbortController;
  ctx: CliContext;
}

/** A CLI context that captures output (not a terminal unless `isTTY`). */
export function captureCtx(
  cwd: string,
  options: { isTTY?: boolean; env?: Record<string, string> } = {},
): Captured {
  const out: string[] = [];
  const err: string[] = [];
  const controller = new AbortController();
  return {
    out,
    err,
    controller,
    ctx: {
      cwd,
      env: options.env ?? {},
      out: (t: string) => void out.push(t),
      err: (t: string) => void err.push(t),
      isTTY: options.isTTY ?? false,
      signal: controller.signal,
      setExitCode: () => {},
    },
  };
}

/** Run the real `tollgate` CLI as a child process. */
export async function runTollgate(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const main = new URL("../main.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", main, ...args],
    cwd: options.cwd,
    env: { RUST_BACKTRACE: "0", NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}
