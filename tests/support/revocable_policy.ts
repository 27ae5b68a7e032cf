/**
 * The policy the reload tests load, revoke and load again: an unrelated rule that stays (so a
 * reload that keeps the grant is a real reload), and the grant under test while it is given.
 *
 * @module
 */

/** The rule a {@linkcode revocablePolicy} gives while it is granted. */
export interface RevocableGrant {
  /** The policy entry's name. */
  name: string;
  /** Its `endpoints:` list, as YAML lines (`      - { host: …, port: …, … }`). */
  endpoints: string;
}

/**
 * The policy at `revision`, with `grant` when it is given, every rule for `binary`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePolicy } from "../../proxy/policy/mod.ts";
 * import { revocablePolicy } from "./revocable_policy.ts";
 * const endpoints = "      - { host: up.example.com, port: 80 }";
 * const given = parsePolicy(revocablePolicy(2, { name: "upload", endpoints }), "p.yaml").policy!;
 * const revoked = parsePolicy(revocablePolicy(3, undefined), "p.yaml").policy!;
 * assert.deepEqual(Object.keys(given.network_policies), ["other", "upload"]);
 * assert.deepEqual(Object.keys(revoked.network_policies), ["other"]);
 * assert.equal(revoked.revision, 3);
 * ```
 */
export function revocablePolicy(
  revision: number,
  grant: RevocableGrant | undefined,
  binary = "/usr/bin/curl",
): string {
  const given = grant === undefined ? "" : `  ${grant.name}:
    endpoints:
${grant.endpoints}
    binaries: [{ path: ${binary} }]
`;
  return `version: 1
revision: ${revision}
network_policies:
  other:
    endpoints: [{ host: other.example.com, port: 80 }]
    binaries: [{ path: ${binary} }]
${given}`;
}
