/**
 * `deno task demo`: an agent in a sandbox hits a block, reads the skill, proposes the narrowest
 * rule, a person approves, the proxy reloads, and the agent's retry succeeds — all real parts
 * on loopback, no network needed. Exits 0 only if every step really happened.
 *
 * Flags: `--interactive` (you approve or reject at a prompt), `--agent "CMD"` (run your own
 * agent in the sandbox instead of the scripted one), `--keep` (keep the workspace).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { type DemoOutcome, type Review, runDemoLoop } from "./demo/demo_loop.ts";
import { checkAgentSteps, readTrace, storyLines } from "./demo/demo_checks.ts";
import { git } from "./demo/workspace.ts";
import { makeNarrator, type Narrator } from "./demo/narrator.ts";
import { GUIDANCE } from "../proxy/policy_local/mod.ts";

const projectRoot = dirname(dirname(fileURLToPath(import.meta.url)));

/** Answers typed by the reviewer, one line each (a terminal or a pipe). */
class Answers {
  #lines: AsyncIterator<string>;
  constructor(private readonly n: Narrator) {
    this.#lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream())
      .pipeThrough(splitLines())[Symbol.asyncIterator]();
  }

  async ask(question: string): Promise<string> {
    Deno.stdout.writeSync(new TextEncoder().encode(`   ${this.n.em(question)} `));
    const { value, done } = await this.#lines.next();
    return done ? "" : value.trim();
  }
}

function splitLines(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) controller.enqueue(line);
    },
    flush(controller) {
      if (rest) controller.enqueue(rest);
    },
  });
}

async function interactiveReview(answers: Answers): Promise<Review> {
  const answer = (await answers.ask("Approve this proposal? [y]es / [n]o:")).toLowerCase();
  if (answer === "y" || answer === "yes") return { approve: true };
  const reason = (await answers.ask("Reason for the agent:")) || "Rejected by the reviewer";
  const guidance = await answers.ask(`Guidance (${GUIDANCE.join(", ")}, or empty):`);
  return { approve: false, reason, guidance: guidance || undefined };
}

async function finalChecks(
  outcome: DemoOutcome,
  n: Narrator,
  realAgent: boolean,
): Promise<string[]> {
  // A real agent keeps no step log: judge it by its exit status and what reached upstream.
  const problems = realAgent
    ? (outcome.agentExit === 0 ? [] : [`agent: exited with status ${outcome.agentExit}`])
    : checkAgentSteps(outcome.steps).map((p) => `${p.step}: ${p.why}`);
  if (!outcome.storedContent) problems.push("upstream: the file is not stored upstream");
  else n.detail(`upstream now stores ${JSON.stringify(outcome.storedContent.slice(0, 60))}…`);
  const story = storyLines(await readTrace(`${outcome.workspace.stateDir}/logs`));
  n.section("The OCSF trace: DENIED → PROPOSED → APPROVED → LOADED → ALLOWED");
  for (const line of story.lines) n.detail(line);
  for (const stage of story.missing) problems.push(`trace: no ${stage} event in order`);
  n.section("The approval commit (git log -1)");
  const log = await git(outcome.workspace.repoDir, ["log", "-1", "--format=%h %s%n%n%b"]);
  for (const line of log.trim().split("\n")) n.detail(line);
  if (!/Proposal-Id: /.test(log)) problems.push("git: the last commit has no Proposal-Id trailer");
  return problems;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      interactive: { type: "boolean", default: false },
      agent: { type: "string" },
      keep: { type: "boolean", default: false },
    },
  });
  const n = makeNarrator(Deno.stdout.isTerminal() && Deno.env.get("NO_COLOR") === undefined);
  n.title("Tollgate demo: an agent asks for access, a person approves, the retry succeeds");
  const started = performance.now();
  const answers = values.interactive ? new Answers(n) : undefined;
  const outcome = await runDemoLoop({
    projectRoot,
    agentCommand: values.agent,
    keep: values.keep,
    hooks: {
      onStart: ({ workspace, upstreamPort }) => n.start(workspace, upstreamPort),
      onAgentStep: (step) => n.agentStep(step),
      review: async ({ id, patch }) => {
        n.patch(id, patch);
        return answers ? await interactiveReview(answers) : { approve: true };
      },
      onReviewed: (info) => n.reviewed(info),
    },
  });
  const problems = await finalChecks(outcome, n, values.agent !== undefined);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (values.keep) n.detail(`workspace kept at ${outcome.workspace.dir}`);
  else await outcome.workspace.remove();
  return n.verdict(problems, seconds);
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (error) {
    console.error(`demo failed during setup: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
