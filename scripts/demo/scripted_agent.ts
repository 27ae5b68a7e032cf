/**
 * A scripted agent for the demo and the end-to-end test: every network call is a real `curl`
 * (so the requester the proxy sees is `/usr/bin/curl`), driven by what the structured 403 says.
 *
 * Usage inside a sandbox (proxy variables and CA bundle come from `tollgate sandbox run`):
 * `deno run --allow-run=curl --allow-read --allow-write --allow-env scripted_agent.ts
 *   --log STEPS.jsonl --url https://api.github.com/repos/o/r/contents/notes/x.md
 *   [--first-path-glob /repos/o/r/**]`
 *
 * Each step is appended to the log as one JSON line `{step, status, body}` so a narrator can
 * follow along; the exit code is 0 only when the final write and read succeeded.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** One step the agent took, as written to the step log. */
export interface AgentStep {
  step: string;
  status?: number;
  body?: unknown;
  note?: string;
}

/**
 * The steps in the log at `path` (none when it does not exist yet), complete lines only: the
 * agent appends while a narrator reads, and a read can end inside the line being written (the
 * kernel grows a file page by page as it copies a write in).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readAgentSteps } from "./scripted_agent.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, '{"step":"deny"}\n{"step":"pro');
 * assert.deepEqual(await readAgentSteps(path), [{ step: "deny" }]);
 * await Deno.remove(path);
 * ```
 */
export async function readAgentSteps(path: string): Promise<AgentStep[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  return complete.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as AgentStep);
}

interface CurlResult {
  status: number;
  text: string;
}

async function curl(args: string[]): Promise<CurlResult> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "120", "-w", "\n%{http_code}", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const cut = text.lastIndexOf("\n");
  const status = Number(text.slice(cut + 1)) || 0;
  if (status === 0) {
    throw new Error(`curl failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return { status, text: text.slice(0, cut) };
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Build the narrowest rule a 403's `rule_missing` asks for. */
export function narrowestRule(
  missing: { host: string; port: number; method?: string; path?: string; binary?: string },
  pathGlob?: string,
): Record<string, unknown> {
  const endpoint: Record<string, unknown> = { host: missing.host, port: missing.port };
  if (missing.method && missing.path) {
    Object.assign(endpoint, {
      protocol: "rest",
      enforcement: "enforce",
      rules: [{ allow: { method: missing.method, path: pathGlob ?? missing.path } }],
    });
  }
  return { endpoints: [endpoint], binaries: [{ path: missing.binary ?? "/usr/bin/curl" }] };
}

class Agent {
  constructor(readonly logPath: string) {}

  async record(step: AgentStep): Promise<void> {
    await Deno.writeTextFile(this.logPath, JSON.stringify(step) + "\n", { append: true });
  }

  async call(step: string, args: string[]): Promise<CurlResult> {
    const result = await curl(args);
    await this.record({ step, status: result.status, body: json(result.text) });
    return result;
  }

  async propose(url: string, ruleName: string, rule: unknown, summary: string): Promise<string> {
    const proposal = { intent_summary: summary, operations: [{ addRule: { ruleName, rule } }] };
    const res = await this.call("proposal_submitted", [
      "-X",
      "POST",
      "-H",
      "content-type: application/json",
      "--data-binary",
      JSON.stringify(proposal),
      url,
    ]);
    const body = json(res.text) as { accepted_chunk_ids?: string[] };
    const id = body.accepted_chunk_ids?.[0];
    if (res.status !== 202 || !id) throw new Error(`proposal was not accepted (${res.status})`);
    return id;
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      log: { type: "string" },
      url: { type: "string" },
      content: { type: "string", default: "# Notes\n\nWritten by an agent through Tollgate.\n" },
      "first-path-glob": { type: "string" },
    },
  });
  if (!values.log || !values.url) throw new Error("usage: --log FILE --url URL");
  const agent = new Agent(values.log);
  const put = ["-X", "PUT", "-H", "content-type: application/json", "--data-binary"];
  const putBody = JSON.stringify({ message: "Add notes", content: btoa(values.content) });

  const denied = await agent.call("write_denied", [...put, putBody, values.url]);
  if (denied.status !== 403) throw new Error(`expected a 403, got ${denied.status}`);
  const deny = json(denied.text) as {
    rule_missing: Parameters<typeof narrowestRule>[0];
    next_steps: { action: string; url?: string }[];
  };
  const step = (action: string) => deny.next_steps.find((s) => s.action === action)?.url ?? "";
  await agent.call("skill_read", [step("read_skill")]);
  await agent.call("policy_read", [step("inspect_policy")]);

  const proposalsUrl = step("submit_proposal");
  const summary = `Write ${deny.rule_missing.path} with ${deny.rule_missing.method} for the task`;
  let id = await agent.propose(
    proposalsUrl,
    "github_contents_write",
    narrowestRule(deny.rule_missing, values["first-path-glob"]),
    summary,
  );
  let waited = await agent.call("proposal_decided", [`${proposalsUrl}/${id}/wait?timeout=60`]);
  let decision = json(waited.text) as { status?: string; policy_reloaded?: boolean };
  if (decision.status === "rejected") {
    // The reviewer's reason and guidance say what to change; the exact path is the narrowest.
    id = await agent.propose(
      proposalsUrl,
      "github_contents_write_exact",
      narrowestRule(deny.rule_missing),
      `${summary} (exact path, after review)`,
    );
    waited = await agent.call("proposal_decided", [`${proposalsUrl}/${id}/wait?timeout=60`]);
    decision = json(waited.text) as typeof decision;
  }
  if (decision.status !== "approved" || decision.policy_reloaded !== true) {
    // The answer as it came (an error body, a non-JSON reply), so a failed run says why.
    const answer = `HTTP ${waited.status}: ${waited.text.slice(0, 300)}`;
    await agent.record({
      step: "gave_up",
      note: `proposal ${id} ended ${decision.status}; ${answer}`,
    });
    return 1;
  }
  const retried = await agent.call("write_retried", [...put, putBody, values.url]);
  const read = await agent.call("read_back", [values.url]);
  return retried.status === 201 && read.status === 200 ? 0 : 1;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (error) {
    console.error(`scripted agent: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
