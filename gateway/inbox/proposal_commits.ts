/**
 * The commit of each approved proposal, read from the policy repository's history (the
 * approval commit carries a `Proposal-Id:` trailer). Outside a Git repository there are none.
 *
 * @module
 */

import { runGit } from "../client/mod.ts";

const HISTORY_DEPTH = 1000;

/**
 * Map proposal id → commit hash over the newest approval commits of `policiesDir`'s repository.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { proposalCommits } from "./proposal_commits.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const { commit } = await store.approve(submitted.proposal.id, { approvedBy: "alice" });
 * const commits = await proposalCommits(dir);
 * assert(commits.get(submitted.proposal.id)?.startsWith(commit!));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function proposalCommits(policiesDir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const format = "--format=%H%x1f%(trailers:key=Proposal-Id,valueonly,separator=%x1f)%x1e";
  const result = await runGit(["log", `-n${HISTORY_DEPTH}`, format, "--", "."], policiesDir)
    .catch(() => undefined);
  if (!result || result.code !== 0) return found;
  for (const entry of result.stdout.split("\x1e")) {
    const [commit, ...ids] = entry.trim().split("\x1f");
    if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) continue;
    // Newest first: an id keeps the newest commit that names it.
    for (const id of ids) if (id.trim() && !found.has(id.trim())) found.set(id.trim(), commit);
  }
  return found;
}
