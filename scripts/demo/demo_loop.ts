/**
 * The whole loop, once, with real parts: a Git workspace, a fake GitHub over TLS, the real
 * `tollgate sandbox run` CLI running an agent, and the real `tollgate proposals approve|reject`
 * CLI code for the reviewer. Narration is left to hooks, so the demo and the end-to-end test
 * run the same code.
 *
 * @module
 */

import { join } from "node:path";
import { runCli } from "../../cli/mod.ts";
import { type FakeGitHub, startFakeGitHub } from "./fake_github.ts";
import { type AgentStep, readAgentSteps } from "./scripted_agent.ts";
import { mintTestCertificates } from "./test_certificates.ts";
import { createWorkspace, type Workspace } from "./workspace.ts";
import { watchPending } from "./watch_pending.ts";

/** A reviewer's verdict on one pending proposal. */
export type Review =
  | { approve: true }
  | { approve: false; reason: string; guidance?: string };

/** What the loop tells its narrator. */
export interface DemoHooks {
  onStart?(info: { workspace: Workspace; upstreamPort: number }): void;
  onAgentStep?(step: AgentStep): void;
  /** A new pending proposal: its id and the patch file text. */
  review(proposal: { id: string; patch: string }): Promise<Review>;
  onReviewed?(info: { id: string; review: Review; output: string; code: number }): void;
}

/** Options of one loop run. */
export interface DemoOptions {
  projectRoot: string;
  hooks: DemoHooks;
  /** A real agent command line to run instead of the scripted agent. */
  agentCommand?: string;
  /** Make the scripted agent's first proposal this path glob (to exercise a rejection). */
  firstPathGlob?: string;
  /** Keep the workspace afterwards. */
  keep?: boolean;
}

/** What happened, for the narrator and the test to check. */
export interface DemoOutcome {
  workspace: Workspace;
  agentExit: number;
  steps: AgentStep[];
  /** Content of the file the fake GitHub now stores, if any. */
  storedContent?: string;
  reviewed: { id: string; review: Review; code: number }[];
}

const OWNER_REPO = "acme/docs";
const FILE_PATH = "notes/tollgate.md";

/** The task a real agent is given through `TOLLGATE_DEMO_TASK`. */
export const DEMO_TASK = `Create the file ${FILE_PATH} in the GitHub repository ${OWNER_REPO} ` +
  "with a short markdown note, using curl and the GitHub Contents API (PUT " +
  "https://api.github.com/repos/OWNER/REPO/contents/PATH with base64 content), then read it back.";

/** Where the scripted agent writes. */
export const DEMO_URL = `https://api.github.com/repos/${OWNER_REPO}/contents/${FILE_PATH}`;

function agentArgv(options: DemoOptions, ws: Workspace): string[] {
  if (options.agentCommand) return ["sh", "-c", options.agentCommand];
  const script = join(options.projectRoot, "scripts", "demo", "scripted_agent.ts");
  const argv = [Deno.execPath(), "run", "--quiet", "--no-config", "--allow-run=curl"];
  argv.push("--allow-read", "--allow-write", "--allow-env", script);
  argv.push("--log", ws.stepsPath, "--url", DEMO_URL);
  if (options.firstPathGlob) argv.push("--first-path-glob", options.firstPathGlob);
  return argv;
}

function sandboxArgv(options: DemoOptions, ws: Workspace, upstreamPort: number, ca: string) {
  return [
    "run",
    "-A",
    "--quiet",
    join(options.projectRoot, "main.ts"),
    "sandbox",
    "run",
    "--policy",
    "demo",
    "--policies",
    ws.policiesDir,
    "--state",
    ws.stateDir,
    "--resolve",
    `api.github.com:443:127.0.0.1:${upstreamPort}`,
    "--upstream-ca",
    ca,
    // The sandbox inherits only an allow-listed environment: the task is passed by name.
    "--env",
    "TOLLGATE_DEMO_TASK",
    "--",
    ...agentArgv(options, ws),
  ];
}

/** Run the reviewer's verdict through the same CLI code a person uses. */
async function applyReview(ws: Workspace, id: string, review: Review) {
  let output = "";
  const args = review.approve
    ? ["proposals", "approve", id, "--yes"]
    : ["proposals", "reject", id, "--reason", review.reason];
  if (!review.approve && review.guidance) args.push("--guidance", review.guidance);
  args.push("--policies", ws.policiesDir, "--state", ws.stateDir);
  const code = await runCli(args, {
    cwd: ws.dir,
    env: { NO_COLOR: "1" },
    out: (t) => (output += t),
    err: (t) => (output += t),
    isTTY: false,
    signal: new AbortController().signal,
    setExitCode: () => {},
  });
  return { output, code };
}

/**
 * Run the loop once and report what happened; throws only on a broken setup.
 *
 * @example
 * ```ts ignore sandbox
 * // Not run as a doc test: it runs the whole demo, agent in a network-namespace sandbox (seconds).
 * const outcome = await runDemoLoop({ projectRoot, hooks: { review: async () => ({ approve: true }) } });
 * ```
 */
export async function runDemoLoop(options: DemoOptions): Promise<DemoOutcome> {
  const ws = await createWorkspace(options.projectRoot);
  const certDir = join(ws.stateDir, "upstream-ca");
  await Deno.mkdir(certDir, { recursive: true });
  const certs = await mintTestCertificates(certDir, ["api.github.com"]);
  let github: FakeGitHub | undefined;
  const reviewed: DemoOutcome["reviewed"] = [];
  const stop = new AbortController();
  try {
    github = await startFakeGitHub(certs);
    options.hooks.onStart?.({ workspace: ws, upstreamPort: github.port });
    const child = new Deno.Command(Deno.execPath(), {
      args: sandboxArgv(options, ws, github.port, certs.caCertPath),
      cwd: ws.dir,
      stdin: "null",
      // A real agent (--agent) learns its task from this variable.
      env: { RUST_BACKTRACE: "0", NO_COLOR: "1", TOLLGATE_DEMO_TASK: DEMO_TASK },
    }).spawn();
    const seen = new Set<string>();
    const proposals = new StepCounter("proposal_submitted");
    const hooks = {
      ...options.hooks,
      onAgentStep: (step: AgentStep) => {
        options.hooks.onAgentStep?.(step);
        proposals.saw(step);
      },
    };
    const tail = tailSteps(ws.stepsPath, seen, hooks, stop.signal);
    const reviews = watchPending(ws.policiesDir, stop.signal, async (id, patch) => {
      // Narrate the agent's submission before the reviewer's view of it (bounded wait).
      // (A real agent keeps no step log, so there is nothing to wait for.)
      if (!options.agentCommand) await proposals.atLeast(reviewed.length + 1, 5_000);
      const review = await options.hooks.review({ id, patch });
      const { output, code } = await applyReview(ws, id, review);
      reviewed.push({ id, review, code });
      options.hooks.onReviewed?.({ id, review, output, code });
    });
    const status = await child.status;
    stop.abort();
    await Promise.allSettled([tail, reviews]);
    const steps = await readAgentSteps(ws.stepsPath);
    for (const step of steps.slice(seen.size)) options.hooks.onAgentStep?.(step);
    const stored = github.files.get(`${OWNER_REPO}/${FILE_PATH}`);
    return {
      workspace: ws,
      agentExit: status.code,
      steps,
      storedContent: stored ? new TextDecoder().decode(stored.content) : undefined,
      reviewed,
    };
  } finally {
    stop.abort();
    await github?.close();
  }
}

/** Counts one kind of agent step, so the reviewer can wait until the narrator showed it. */
class StepCounter {
  #count = 0;
  #waiters: { n: number; resolve: () => void }[] = [];
  constructor(readonly name: string) {}

  saw(step: AgentStep): void {
    if (step.step !== this.name) return;
    this.#count++;
    this.#waiters = this.#waiters.filter((w) => w.n > this.#count || (w.resolve(), false));
  }

  atLeast(n: number, timeoutMs: number): Promise<void> {
    if (this.#count >= n) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

/** Follow the agent's step log, handing each new step to the narrator in order. */
async function tailSteps(
  path: string,
  seen: Set<string>,
  hooks: DemoHooks,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    const steps = await readAgentSteps(path);
    for (const [i, step] of steps.entries()) {
      const key = String(i);
      if (seen.has(key)) continue;
      seen.add(key);
      hooks.onAgentStep?.(step);
    }
    // The step log is written by another process; a short sleep keeps narration prompt.
    await new Promise((r) => setTimeout(r, 40));
  }
}
