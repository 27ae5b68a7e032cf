/**
 * Fixtures of the #17 automation tests: policies holding scoped (leased) rules.
 *
 * @module
 */

import { leaseComment, type RuleLease } from "../proxy/policy/mod.ts";
import { join } from "node:path";
import { makeRepo, TEAM_POLICY, type TempRepo } from "./gateway_fixtures.ts";

/** An org ceiling that lets curl read and write api.github.com. */
export const CEILING: string = `version: 1
network_policies:
  github:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-write }
    binaries: [{ path: /usr/bin/curl }]
`;

/** One auto-approval pattern: curl's PUTs under `/repos/o/r/contents/`. */
export const PATTERNS: string = `version: 1
patterns:
  - name: repo_contents
    hosts: [api.github.com]
    ports: [443]
    methods: [PUT]
    paths: ["/repos/o/r/contents/**"]
    binaries: [/usr/bin/curl]
`;

/** A committed repository with {@linkcode CEILING} and {@linkcode PATTERNS} beside its policy. */
export async function autoApproveRepo(): Promise<TempRepo> {
  const repo = await makeRepo();
  await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), CEILING);
  await Deno.writeTextFile(join(repo.policies, "auto_approve.yaml"), PATTERNS);
  return repo;
}

/** A rule block with a lease comment, appended under `network_policies:`. */
export function scopedRule(key: string, lease: RuleLease, path = "/x"): string {
  return `  ${leaseComment(lease)}
  ${key}:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, rules: [{ allow: { method: PUT, path: "${path}" } }] }
    binaries: [{ path: /usr/bin/curl }]
`;
}

/** TEAM_POLICY with `blocks` added after its last rule, committed. */
export async function scopedRepo(blocks: string[]): Promise<TempRepo> {
  const policy = TEAM_POLICY.replace(
    "\nfilesystem_policy:",
    `${blocks.join("")}\nfilesystem_policy:`,
  );
  const repo = await makeRepo({ policy });
  return repo;
}
