/**
 * Evidence that every step of the loop really happened: the agent's step log, the upstream's
 * stored file, the OCSF trace and the approval commit. Pure functions over what was collected,
 * shared by the demo and the end-to-end test.
 *
 * @module
 */

import { join } from "node:path";
import { ocsfLogFiles, parseOcsfLine, renderShorthand } from "../../proxy/ocsf/mod.ts";
import type { AgentStep } from "./scripted_agent.ts";

/** One failed expectation: which step, and why. */
export interface StepProblem {
  step: string;
  why: string;
}

/** The trace stages, in the order they must appear. */
export const TRACE_STAGES = [
  ["DENIED", /HTTP:PUT \S+ DENIED/],
  ["PROPOSED", /CONFIG:PROPOSED/],
  ["APPROVED", /CONFIG:APPROVED/],
  ["LOADED", /CONFIG:LOADED/],
  ["ALLOWED", /HTTP:PUT \S+ ALLOWED/],
] as const;

/**
 * Every event of every `ocsf.*.jsonl` under `logDir` as its `<time> OCSF <shorthand>` line,
 * oldest first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readTrace } from "./demo_checks.ts";
 * import { configEvent } from "../../proxy/ocsf/mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const event = configEvent("LOADED", "Policy loaded", { revision: 1 });
 * await Deno.writeTextFile(`${dir}/ocsf.2026-01-01.jsonl`, `${JSON.stringify(event)}\n`);
 * const [line] = await readTrace(dir);
 * assert.match(line ?? "", /^\d{4}-\d\d-\d\dT.* OCSF CONFIG:LOADED/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readTrace(logDir: string): Promise<string[]> {
  const lines: string[] = [];
  for (const name of await ocsfLogFiles(logDir)) {
    const text = await Deno.readTextFile(join(logDir, name));
    for (const event of text.split("\n").map(parseOcsfLine)) {
      if (event) lines.push(`${new Date(event.time).toISOString()} OCSF ${renderShorthand(event)}`);
    }
  }
  // Lines start with an ISO timestamp, so a stable sort orders files written by two processes.
  return lines.sort((a, b) => a.slice(0, 24).localeCompare(b.slice(0, 24)));
}

/**
 * The trace lines that tell the story: the denial, the proposal, its approval and the reload
 * of the approved revision, then the allowed retry. The proxy reloads the moment the approved
 * file lands, while the approving process is still committing, so APPROVED and LOADED may be
 * logged in either order; both must follow the proposal and precede the allowed retry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { storyLines } from "./demo_checks.ts";
 * assert.equal(storyLines(["x OCSF CONFIG:PROPOSED [INFO] p"]).lines.length, 1);
 * ```
 */
export function storyLines(trace: string[]): { lines: string[]; missing: string[] } {
  const find = (pattern: RegExp, from: number) =>
    trace.findIndex((line, i) => i >= from && pattern.test(line));
  const p = Object.fromEntries(TRACE_STAGES) as Record<(typeof TRACE_STAGES)[number][0], RegExp>;
  const at: Record<string, number> = {};
  at.DENIED = find(p.DENIED, 0);
  at.PROPOSED = find(p.PROPOSED, at.DENIED + 1);
  at.APPROVED = at.PROPOSED < 0 ? -1 : find(p.APPROVED, at.PROPOSED + 1);
  const version = /\[version:(\d+)/.exec(trace[at.APPROVED] ?? "")?.[1];
  const reload = new RegExp(`${p.LOADED.source}.*\\[version:${version ?? "\\d+"}\\b`);
  at.LOADED = at.PROPOSED < 0 ? -1 : find(reload, at.PROPOSED + 1);
  const last = Math.max(at.APPROVED, at.LOADED);
  at.ALLOWED = at.APPROVED < 0 || at.LOADED < 0 ? -1 : find(p.ALLOWED, last + 1);
  const lines: string[] = [];
  const missing: string[] = [];
  for (const [stage] of TRACE_STAGES) {
    if (at[stage]! < 0) missing.push(stage);
    else lines.push(trace[at[stage]!]!);
  }
  return { lines, missing };
}

function stepOf(steps: AgentStep[], name: string, nth = 0): AgentStep | undefined {
  return steps.filter((s) => s.step === name)[nth];
}

/**
 * Check the agent's steps: a structured 403, the skill and policy read, a proposal accepted
 * and approved with `policy_reloaded: true`, then a successful write and read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAgentSteps } from "./demo_checks.ts";
 * assert(checkAgentSteps([]).length > 0);
 * ```
 */
export function checkAgentSteps(steps: AgentStep[]): StepProblem[] {
  const problems: StepProblem[] = [];
  const expect = (step: string, ok: boolean, why: string) => {
    if (!ok) problems.push({ step, why });
  };
  const denied = stepOf(steps, "write_denied");
  const body = denied?.body as
    | { error?: string; layer?: string; rule_missing?: unknown }
    | undefined;
  expect(
    "denied",
    denied?.status === 403,
    `the first write got ${denied?.status ?? "no answer"}, not 403`,
  );
  expect(
    "denied",
    body?.error === "policy_denied" && body.layer === "l7",
    "the 403 is not a structured L7 policy_denied body",
  );
  expect("skill", stepOf(steps, "skill_read")?.status === 200, "the skill was not read");
  expect("policy", stepOf(steps, "policy_read")?.status === 200, "the current policy was not read");
  expect(
    "proposal",
    stepOf(steps, "proposal_submitted")?.status === 202,
    "no proposal was accepted (202)",
  );
  const decided = steps.filter((s) => s.step === "proposal_decided").at(-1);
  const verdict = decided?.body as { status?: string; policy_reloaded?: boolean } | undefined;
  expect(
    "approval",
    verdict?.status === "approved",
    `the proposal ended ${verdict?.status ?? "undecided"}`,
  );
  expect("reload", verdict?.policy_reloaded === true, "/wait did not report policy_reloaded: true");
  expect(
    "retry",
    stepOf(steps, "write_retried")?.status === 201,
    `the retry got ${stepOf(steps, "write_retried")?.status ?? "no answer"}, not 201`,
  );
  expect(
    "read back",
    stepOf(steps, "read_back")?.status === 200,
    "the file could not be read back",
  );
  return problems;
}
