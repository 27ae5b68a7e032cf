/**
 * Proposal ids: one id names a proposal everywhere (its patch file name, the CLI, the
 * agent's `accepted_chunk_ids`). Ids sort by creation time, are unique, and are safe as file
 * names; an id from outside is checked with `isProposalId` before it touches a path.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { visibleText } from "../repo/mod.ts";
import { isProposalId } from "../listing/mod.ts";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/**
 * Check an id from outside (CLI argument, URL) before it is used in a path.
 *
 * @throws {TypeError} when the id is malformed
 * @example
 * ```ts
 * import { assertProposalId } from "./proposal_id.ts";
 * assertProposalId("p-20260506T170204-ab12cd");
 * ```
 */
export function assertProposalId(value: string): string {
  if (!isProposalId(value)) {
    throw new TypeError(`Invalid proposal id "${visibleText(value, 60)}"`);
  }
  return value;
}

/**
 * A new id for a proposal created at `now`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newProposalId } from "./proposal_id.ts";
 * import { isProposalId } from "../listing/mod.ts";
 * assert(isProposalId(newProposalId(new Date())));
 * ```
 */
export function newProposalId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").slice(0, 15);
  // Rejection sampling keeps the letters uniform (256 is not a multiple of 36).
  let suffix = "";
  while (suffix.length < 6) {
    for (const byte of randomBytes(8)) {
      if (byte < 252 && suffix.length < 6) suffix += ALPHABET[byte % 36];
    }
  }
  return `p-${stamp}-${suffix}`;
}
