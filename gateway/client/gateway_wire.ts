/**
 * The shapes the gateway's HTTP API sends and takes, declared here so that the client depends
 * on nothing else of gateway/: the server's modules take these same types from the client's
 * mod.ts (one definition each), as they take the route constants.
 *
 * @module
 */

import type { Policy, RuleScope } from "../../proxy/policy/mod.ts";
import type { Guidance } from "../../proxy/policy_local/mod.ts";
import type { GatewayFence } from "./gateway_fence.ts";

/** What an enrolment answers: the sandbox's proxy credential, and what its runner fences. */
export interface Enrolment {
  /** The sandbox id. */
  sandbox: string;
  /** The one policy the credential is for. */
  policy: string;
  /** The proxy credential (shown once). */
  token: string;
  /** The gateway's repository and state, to fence where the runner sees the same files. */
  fence?: GatewayFence;
}

/** A policy as the gateway publishes it: the last valid text and its revision and hash. */
export interface PublishedPolicy {
  /** Policy name (`NAME.yaml`). */
  name: string;
  /** The file's text. */
  text: string;
  /** Its `revision`. */
  revision: number;
  /** Its hash (hex SHA-256 of the validated policy). */
  hash: string;
  /**
   * The validated policy, when the gateway has it at hand: pushed beside the text as JSON, which
   * a proxy validates and compiles far faster than it parses the YAML.
   */
  policy?: Policy;
  /**
   * In process only (never sent): the policy is the one whose hash is `from` plus rule `key`,
   * appended, and nothing else but its revision (an approval checked exactly that), so its push
   * names that rule instead of comparing every rule again.
   */
  added?: { from: string; key: string };
}

/**
 * The fields of a published policy that go on the wire: name, text, revision and hash. The
 * validated policy object (every rule again, megabytes at 10,000 rules, written out per request)
 * and an approval's in-process note stay in the gateway; no client reads them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { policyOnWire } from "./gateway_wire.ts";
 * const policy = { version: 1 as const, revision: 2, network_policies: {} };
 * const wire = policyOnWire({ name: "team", text: "version: 1\n", revision: 2, hash: "ab", policy });
 * assert.deepEqual(Object.keys(wire), ["name", "text", "revision", "hash"]);
 * ```
 */
export function policyOnWire(published: PublishedPolicy): PublishedPolicy {
  const { name, text, revision, hash } = published;
  return { name, text, revision, hash };
}

/** What an approval produced. */
export interface ApproveResult {
  /** The approved proposal. */
  id: string;
  /** The policy it changed. */
  policy: string;
  /** The policy's new revision. */
  revision: number;
  /** The new policy's hash (hex SHA-256). */
  hash: string;
  /** The proposal's one-line summary (also the commit subject). */
  summary: string;
  /** The commit, when the policies directory is in a Git repository. */
  commit?: string;
  /** True when the reviewed rule lines were re-placed after rules added since the review. */
  rebased: boolean;
  /** The approved rule's scope (`durable` unless the approval gave another). */
  scope?: RuleScope;
  /** ISO expiry of a once or lease rule. */
  expires?: string;
}

/** A reviewer's rejection. */
export interface RejectOptions {
  /** Why (shown to the agent, made visible). */
  reason: string;
  /** Structured hint for the agent's next draft. */
  guidance?: Guidance;
  /** Reviewer name (default `reviewer`). */
  rejectedBy?: string;
}

/** One scoped rule. */
export interface LeaseEntry {
  /** The policy holding it. */
  policy: string;
  /** Its rule key. */
  rule: string;
  /** once, lease or session. */
  scope: Exclude<RuleScope, "durable">;
  /** ISO expiry (once and lease rules). */
  expires?: string;
  /** Epoch ms of the expiry. */
  expiresAt?: number;
  /** The only sandbox a session rule serves. */
  sandbox?: string;
  /** The proposal that created it. */
  proposal?: string;
  /** True when its expiry has passed (the clean-up commit has not removed it yet). */
  expired: boolean;
}

/** One policy's removal. */
export interface RuleRemoval {
  /** The policy changed. */
  policy: string;
  /** The rule keys removed. */
  rules: string[];
  /** The `Removed-By` reason. */
  removedBy: string;
  /** The policy's new revision. */
  revision: number;
  /** The new policy's hash. */
  hash: string;
  /** The commit, when the policies directory is in Git. */
  commit?: string;
}

/** One policy's fit. */
export interface CeilingFit {
  /** The policy checked. */
  policy: string;
  /** True when every grant of the policy is inside the ceiling (or there is no ceiling). */
  inside: boolean;
  /** The first grant outside: `rule "KEY" grants …, outside the org ceiling`. */
  outside?: string;
  /** Why the policy could not be checked (missing, or it does not validate). */
  error?: string;
}

/** The result of a ceiling check. */
export interface CeilingCheck {
  /** `none` (no ceiling file), `present`, or `unreadable` (every check then fails closed). */
  ceiling: "none" | "present" | "unreadable";
  /** Why the ceiling could not be read. */
  error?: string;
  /** Each policy asked about (none when the ceiling is absent or unreadable). */
  policies: CeilingFit[];
}
