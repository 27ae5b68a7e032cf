/**
 * The set-up of the tests where a hostile agent's netns sandbox runs on the machine that holds
 * the policy repository: temporary repositories with the team policy, gateways on 127.0.0.1
 * serving them (or none), and the agent's command run through the real `sandbox run` CLI,
 * linked to every gateway from a folder of its own (or, with no gateway, in the repository).
 * All is closed and removed in reverse order, also when the test fails.
 *
 * @module
 */

import { join } from "node:path";
import { type RunningGateway, startGateway } from "../../gateway/mod.ts";
import { makeRepo, TEAM_POLICY, type TempRepo } from "../gateway_fixtures.ts";
import { runSandboxCli } from "../sandbox_fixtures.ts";

/**
 * The team policy without its `filesystem_policy`: under one, the sandbox's /tmp is its own and
 * Landlock keeps it to its working folder, so the repositories (made below /tmp) would be out of
 * reach whatever the fence does. Unconfined, the fence is all that protects them.
 */
export const UNCONFINED_TEAM_POLICY: string = TEAM_POLICY.replace(
  /\nfilesystem_policy:\n {2}include_workdir: true\n/,
  "\n",
);

/** A temporary policy repository with `policies/team.yaml` committed. */
export interface PolicyRepo {
  /** Its root folder, a Git work tree. */
  root: string;
  /** Its `policies` folder. */
  policies: string;
  /** Run `git ARGS` in it and return the output (throws when git fails). */
  git(...args: string[]): Promise<string>;
}

/** What the agent's command printed and how it ended. */
export interface AgentRun {
  /** The CLI's exit code. */
  code: number;
  /** What the command and the CLI printed on standard output. */
  stdout: string;
  /** What they printed on standard error. */
  stderr: string;
  /** Its output read as lines `name value`, by name. */
  results: Record<string, string>;
}

/** What a test of {@linkcode withGatewaysBesideAgent} runs against. */
export interface GatewaysBesideAgent {
  /** The first policy repository (holding the state). */
  repo: PolicyRepo;
  /** The policy repositories, one a gateway (one when there is none), each with `team.yaml`. */
  repos: PolicyRepo[];
  /** Run `sh -c script` as the agent, in a netns sandbox on policy `team`, quietly. */
  runAgent(script: string): Promise<AgentRun>;
}

/**
 * Run `run` with `gateways` gateways on this machine (0, 1 or more), each serving a repository
 * of its own holding {@linkcode UNCONFINED_TEAM_POLICY} and all sharing one state folder, then
 * close the gateways and remove the repositories and the agent's folder.
 */
export async function withGatewaysBesideAgent(
  gateways: number,
  run: (world: GatewaysBesideAgent) => Promise<void>,
): Promise<void> {
  const repos: TempRepo[] = [];
  const started: RunningGateway[] = [];
  const elsewhere = await Deno.makeTempDir({ prefix: "tg-agent-project-" });
  try {
    for (let n = 0; n < Math.max(gateways, 1); n++) {
      repos.push(await makeRepo({ policy: UNCONFINED_TEAM_POLICY }));
    }
    // The gateways' shared state, with the enrolment token the agent's CLI is given.
    const repo = repos[0]!;
    const stateDir = join(repo.root, "state");
    for (const repo of repos.slice(0, gateways)) {
      const listen = "127.0.0.1:0";
      started.push(await startGateway({ policiesDir: repo.policies, stateDir, listen }));
    }
    const runAgent = (script: string) => agentRun(script, started, stateDir, repo.root, elsewhere);
    await run({ repo, repos, runAgent });
  } finally {
    for (const gateway of started.reverse()) await gateway.close();
    for (const repo of repos) await repo.cleanup();
    await Deno.remove(elsewhere, { recursive: true });
  }
}

/** Linked to `gateways`, the agent starts in a folder with no policies of its own. */
async function agentRun(
  script: string,
  gateways: RunningGateway[],
  stateDir: string,
  repo: string,
  elsewhere: string,
): Promise<AgentRun> {
  const links = gateways.flatMap((gateway) => ["--gateway", gateway.url]);
  if (links.length > 0) links.push("--gateway-token-file", join(stateDir, "gateway.token"));
  const out = await runSandboxCli(
    ["--policy", "team", "--isolate", "netns", "--quiet", ...links, "--", "sh", "-c", script],
    { cwd: links.length > 0 ? elsewhere : repo },
  );
  const lines = out.stdout.trim().split("\n");
  const results = Object.fromEntries(lines.map((line) => line.split(" ")));
  return { code: out.code, stdout: out.stdout, stderr: out.stderr, results };
}
