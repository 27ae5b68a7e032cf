/**
 * A proposal as read from its file: state (its directory), metadata, diff, and the rule the
 * diff adds; and its rendering as the agent-facing `ProposalStatus`.
 *
 * @module
 */

import type { NetworkRule } from "../../proxy/policy/mod.ts";
import type { ProposalStatus } from "../../proxy/policy_local/mod.ts";
import {
  PROPOSAL_STATES,
  type ProposalFile,
  proposalFilePath,
  type ProposalState,
} from "./proposal_files.ts";
import { isProposalId } from "../listing/mod.ts";
import type { ProposalMeta } from "./proposal_patch.ts";
import { parseProposalPatch } from "./parse_proposal_patch.ts";
import { ruleFromDiff } from "./rule_diff.ts";
import { reviewToken } from "./proposal_hashes.ts";

/** Everything known about one proposal. */
export interface ProposalRecord {
  /** Proposal id. */
  id: string;
  /** Its state (its directory). */
  state: ProposalState;
  /** Path of its patch file. */
  file: string;
  /** What the patch message says. */
  meta: ProposalMeta;
  /** The diff as reviewed (the patch's diff section). */
  diff: string;
  /** The rule the diff adds; `{endpoints: [], binaries: []}` when the diff is unreadable. */
  rule: NetworkRule;
  /** Why the rule could not be read from the diff, if it could not. */
  ruleError?: string;
  /** The patch file's text as it was read (so a list checks each seal without reading twice). */
  text?: string;
}

/**
 * Read a proposal file.
 *
 * @throws {SyntaxError} when the file is not a proposal patch
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { readProposalRecord } from "./proposal_record.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * const record = await readProposalRecord({ id, state: "pending", path: `${dir}/pending/${id}.patch` });
 * assert.deepEqual(record.rule, rule);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readProposalRecord(file: ProposalFile): Promise<ProposalRecord> {
  const text = await Deno.readTextFile(file.path);
  return recordFromText(file, text);
}

/**
 * Read proposal `id` from whichever state directory holds it, or undefined when none does.
 *
 * Each directory is read in lifecycle order, never checked first and read after: a proposal
 * only ever moves forward (pending, then approved or rejected) by one rename, so a file gone
 * from `pending/` by the time it is read is found in a later directory, where a check-then-read
 * would fail on a proposal decided between the two.
 *
 * @throws {SyntaxError} when the file is not a proposal patch
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { findProposalRecord } from "./proposal_record.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * await store.reject(id, { rejectedBy: "alice", reason: "too broad" });
 * assert.equal((await findProposalRecord(dir, id))?.state, "rejected");
 * assert.equal(await findProposalRecord(dir, "p-20261205T120000-abc123"), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function findProposalRecord(
  dir: string,
  id: string,
): Promise<ProposalRecord | undefined> {
  if (!isProposalId(id)) return undefined;
  for (const state of PROPOSAL_STATES) {
    const path = proposalFilePath(dir, state, id);
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    return recordFromText({ id, state, path }, text);
  }
  return undefined;
}

/**
 * Build a record from a proposal file's text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { recordFromText } from "./proposal_record.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * const path = `${dir}/pending/${id}.patch`;
 * const record = recordFromText({ id, state: "pending", path }, await Deno.readTextFile(path));
 * assert.equal(record.meta.policy, "team");
 * assert.equal(record.ruleError, undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function recordFromText(file: ProposalFile, text: string): ProposalRecord {
  const { meta, diff } = parseProposalPatch(text);
  if (meta.id !== file.id) throw new SyntaxError(`Proposal file "${file.id}" names another id`);
  try {
    const rule = ruleFromDiff(diff, meta.ruleKey);
    return { id: file.id, state: file.state, file: file.path, meta, diff, rule, text };
  } catch (error) {
    const rule = { endpoints: [], binaries: [] };
    const ruleError = (error as Error).message;
    return { id: file.id, state: file.state, file: file.path, meta, diff, rule, ruleError, text };
  }
}

/**
 * The agent-facing status of a proposal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore, toProposalStatus } from "../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = {
 *   endpoints: [{ host: "api.github.com", port: 443 }],
 *   binaries: [{ path: "/usr/bin/python3" }],
 * };
 * await store.submit({ policy: "team", ruleName: "github", rule, rationale: "r" });
 * const [record] = await store.list({ status: "pending" });
 * const status = toProposalStatus(record!);
 * assert.equal(status.status, "pending");
 * assert(status.findings.some((f) => f.severity === "warn")); // an interpreter runs anything
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function toProposalStatus(record: ProposalRecord): ProposalStatus {
  const d = record.meta.decision;
  const status: ProposalStatus = {
    id: record.id,
    status: record.state,
    policy: record.meta.policy,
    // The key the policy holds it under: what /wait looks for (a sandbox-bound rule's own).
    ruleName: d?.status === "approved" && d.key !== undefined ? d.key : record.meta.ruleKey,
    rule: record.rule,
    findings: record.meta.findings,
  };
  if (record.meta.sandbox !== undefined) status.sandbox = record.meta.sandbox;
  const binary = record.rule.binaries?.[0]?.path ?? record.meta.binary;
  if (binary !== undefined) status.binary = binary;
  status.binaries = record.rule.binaries?.map((b) => b.path) ?? [];
  if (record.state === "rejected" && d?.status === "rejected") {
    status.rejectionReason = d.reason ?? "";
    if (d.guidance) status.guidance = d.guidance;
  }
  if (record.state === "approved" && d?.status === "approved") {
    if (d.revision !== undefined) status.approvedRevision = d.revision;
    status.scope = d.scope ?? "durable";
    if (d.expires !== undefined) status.expiresAt = d.expires;
    if (d.baseHash !== undefined && d.hash !== undefined) {
      status.currentPolicyHash = d.baseHash;
      status.candidatePolicyHash = d.hash;
      status.reviewToken = reviewToken(record.id, record.rule, d.baseHash, d.hash);
    }
  }
  return status;
}
