/**
 * The demo's narration: what a person reading along needs to see at each step. Agent-supplied
 * text is shown with control characters made visible, never interpreted.
 *
 * @module
 */

import type { AgentStep } from "./scripted_agent.ts";
import type { Workspace } from "./workspace.ts";
import type { Review } from "./demo_loop.ts";

/** Printing helpers bound to a colour choice. */
export interface Narrator {
  em(text: string): string;
  section(title: string): void;
  detail(text: string): void;
  title(text: string): void;
  start(ws: Workspace, port: number): void;
  agentStep(step: AgentStep): void;
  patch(id: string, patch: string): void;
  reviewed(info: { id: string; review: Review; output: string; code: number }): void;
  verdict(problems: string[], seconds: string): number;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Make control characters visible (`\u001b` → `\x1b`), so no text can drive the terminal. */
export function visible(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

const STEP_TITLES: Record<string, string> = {
  write_denied: "The agent tries to write a file: PUT api.github.com/repos/acme/docs/contents/…",
  skill_read: "It follows next_steps: reads the policy-advisor skill",
  policy_read: "It reads the current policy",
  proposal_submitted: "It proposes the narrowest rule to http://policy.local/v1/proposals",
  proposal_decided: "It waits on /wait until the decision is live",
  write_retried: "It retries the write",
  read_back: "It reads the file back through the proxy",
  gave_up: "The agent gave up",
};

/**
 * Build a narrator; colour only when asked (a terminal without `NO_COLOR`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeNarrator } from "./narrator.ts";
 * const n = makeNarrator(false);
 * assert.equal(n.em("x"), "x");
 * ```
 */
export function makeNarrator(color: boolean): Narrator {
  const paint = (code: string) => (s: string) => color ? `\x1b[${code}m${s}\x1b[0m` : s;
  const bold = paint("1");
  const dim = paint("2");
  const green = paint("32");
  const red = paint("31");
  const out = (s = "") => console.log(s);
  let n = 0;
  const section = (title: string) => out(`\n${bold(`${++n}. ${title}`)}`);
  const detail = (text: string) => {
    for (const line of visible(text).split("\n")) out(`   ${line}`);
  };
  const json = (value: unknown) => detail(JSON.stringify(value, null, 2));
  return {
    em: bold,
    section,
    detail,
    title: (text: string) => out(bold(text)),
    start(ws: Workspace, port: number) {
      section("A Git workspace with one policy: read-only GitHub REST API for /usr/bin/curl");
      detail(`${ws.repoDir} (policies/demo.yaml, committed)`);
      detail(`api.github.com is a local HTTPS server on 127.0.0.1:${port} with its own CA`);
      detail(
        "the agent runs inside `tollgate sandbox run --policy demo`: its only way out is the proxy",
      );
    },
    agentStep(step: AgentStep) {
      section(STEP_TITLES[step.step] ?? step.step);
      if (step.status !== undefined) detail(`HTTP ${step.status}`);
      if (step.step === "skill_read" && typeof step.body === "string") {
        detail(dim(`${step.body.split("\n").length} lines, starting: ${step.body.split("\n")[0]}`));
      } else if (step.step === "policy_read") {
        const body = step.body as { revision?: number; hash?: string };
        detail(`revision ${body.revision}, hash ${String(body.hash).slice(0, 12)}`);
      } else if (step.body !== undefined) {
        json(step.body);
      }
      if (step.note) detail(step.note);
    },
    patch(id: string, patch: string) {
      section(`A proposal is waiting for review: policies/pending/${id}.patch`);
      detail(patch.trimEnd());
    },
    reviewed(info: { id: string; review: Review; output: string; code: number }) {
      const verb = info.review.approve ? "approve" : "reject";
      section(`The reviewer runs: tollgate proposals ${verb} ${info.id}`);
      detail(info.output.trimEnd() || `(exit ${info.code})`);
    },
    verdict(problems: string[], seconds: string): number {
      out();
      if (problems.length === 0) {
        out(green(`✓ Every step happened, in ${seconds} s.`));
        return 0;
      }
      for (const p of problems) out(red(`✗ ${p}`));
      return 1;
    },
  };
}
