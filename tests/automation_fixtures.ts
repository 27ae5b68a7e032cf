/**
 * Fixtures of the #17 automation tests: policies holding scoped (leased) rules.
 *
 * @module
 */

import { leaseComment, type RuleLease } from "../proxy/policy/mod.ts";
import { makeRepo, TEAM_POLICY, type TempRepo } from "./gateway_fixtures.ts";

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
