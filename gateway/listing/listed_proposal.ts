/**
 * What a proposal listing shows, and the part of it a pending proposal's seal keeps so that a
 * listing reads one small JSON file per proposal instead of parsing its patch.
 *
 * @module
 */

import type { NetworkRule } from "../../proxy/policy/mod.ts";
import type { Finding } from "../../proxy/policy_local/mod.ts";

/**
 * What a proposal's patch message says, as far as a listing shows it; a full proposal's
 * `ProposalMeta` extends it (so that the listing, loaded on its own, defines it).
 */
export interface ListedMeta {
  /** Target policy name (`NAME.yaml`), also the sandbox name. */
  policy: string;
  /** The sandbox (its proxy credential) that made it: only that sandbox may read it. */
  sandbox?: string;
  /** That sandbox's working directory, as its proxy named it (`include_workdir` makes it writable). */
  workdir?: string;
  /** Key of the new rule under `network_policies`. */
  ruleKey: string;
  /** First binary of the rule. */
  binary?: string;
  /** ISO creation time. */
  created: string;
  /** The one-line subject without `[PATCH]`. */
  summary: string;
  /** Findings of the submit checks. */
  findings: Finding[];
  /** The rationale in its visible (sanitised) form. */
  rationale: string;
  /** The recorded decision, once decided. */
  decision?: object;
}

/** A proposal as a listing shows it (a full `ProposalRecord` is one too). */
export interface ListedProposal {
  /** Proposal id. */
  id: string;
  /** Its state (its directory). */
  state: "pending" | "approved" | "rejected";
  /** What its patch message says, as far as a listing shows it. */
  meta: ListedMeta;
  /** The rule its diff adds. */
  rule: NetworkRule;
}

/**
 * The listing of a pending proposal as its seal keeps it (written by Tollgate with the patch).
 * Its `findings` are the checks of `rule` on the policy and ceiling texts whose
 * `findingsBasis()` is `basis` (what a listing recomputes; the seal's own findings are the
 * submit's, on the rule as the agent sent it).
 */
export interface SealListing {
  /** The patch subject without `[PATCH]`. */
  summary: string;
  /** ISO creation time. */
  created: string;
  /** The rationale in its visible form, as the patch reads back. */
  rationale: string;
  /** The binary the patch message names. */
  binary?: string;
  /** The proposing sandbox's working directory, as the patch names it. */
  workdir?: string;
  /** The rule the patch's diff adds, as the patch reads back. */
  rule: NetworkRule;
  /** The checks of `rule` on the basis texts. */
  findings: Finding[];
  /** `findingsBasis()` of the policy and ceiling texts the seal's findings were computed on. */
  basis: string;
  /** Byte sizes of the patch texts of the seal's `patchHashes`, in the same order. */
  patchBytes: number[];
}

/**
 * The basis of a proposal's findings: a SHA-256 over the target policy's text and the org
 * ceiling's text (absent: none). Findings computed on the same basis are the same.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findingsBasis } from "./listed_proposal.ts";
 * assert.notEqual(await findingsBasis("a", undefined), await findingsBasis("a", ""));
 * ```
 */
export async function findingsBasis(
  policyText: string,
  ceilingText: string | undefined,
): Promise<string> {
  const text = `tollgate-findings/1\n${policyText.length}\n${policyText}\n${ceilingText ?? "\0"}`;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The byte size of a text as written to a file (UTF-8).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { byteSize } from "./listed_proposal.ts";
 * assert.equal(byteSize("é"), 2);
 * ```
 */
export function byteSize(text: string): number {
  return new TextEncoder().encode(text).length;
}
