/**
 * Fixtures of the remote tests: a bare policy remote seeded with `team.yaml` at its root,
 * plain git helpers, and a proposal for a given host.
 *
 * @module
 */

import { join } from "node:path";
import type { ProposalInput } from "../proxy/policy_local/mod.ts";
import { TEAM_POLICY } from "./gateway_fixtures.ts";

/** Run git (unhardened: the test's own view) and return stdout; throws on failure. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const d = new TextDecoder();
  if (out.code !== 0) throw new Error(`git ${args.join(" ")}: ${d.decode(out.stderr)}`);
  return d.decode(out.stdout);
}

/** A bare remote (`remote.git`) in `dir`, its `main` holding `team.yaml` at the root. */
export async function makeRemote(dir: string, policy = TEAM_POLICY): Promise<string> {
  const seed = join(dir, "seed");
  await Deno.mkdir(seed, { recursive: true });
  await Deno.writeTextFile(join(seed, "team.yaml"), policy);
  await git(seed, "init", "--quiet", "-b", "main");
  await git(seed, "-c", "user.name=Seed", "-c", "user.email=s@example.test", "add", ".");
  await git(
    seed,
    "-c",
    "user.name=Seed",
    "-c",
    "user.email=s@example.test",
    "commit",
    "-qm",
    "seed",
  );
  const bare = join(dir, "remote.git");
  await git(dir, "clone", "--quiet", "--bare", seed, bare);
  await git(bare, "config", "http.receivepack", "true");
  return bare;
}

/** A proposal of one L4 rule `key` for `host:port`, by curl. */
export function ruleProposal(key: string, host: string, port = 443): ProposalInput {
  return {
    policy: "team",
    ruleName: key,
    rationale: `reach ${host}`,
    rule: { name: key, endpoints: [{ host, port }], binaries: [{ path: "/usr/bin/curl" }] },
  };
}

/** The `revision:` of each `team.yaml` on `main`'s history, newest first. */
export async function revisions(bare: string): Promise<number[]> {
  const log = await git(bare, "log", "--format=%H", "main", "--", "team.yaml");
  const out: number[] = [];
  for (const commit of log.trim().split("\n")) {
    const text = await git(bare, "show", `${commit}:team.yaml`);
    out.push(Number(/^(?:# tollgate-)?revision: (\d+)/m.exec(text)?.[1] ?? 0));
  }
  return out;
}
