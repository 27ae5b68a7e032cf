/**
 * `ProposalStore`: the proposal lifecycle bound to one policies directory — the embedded
 * `ProposalSink` of policy.local, and what the CLI and the gateway server act through.
 * Every state lives in files (`pending/`, `approved/`, `rejected/`, the policy YAML), so
 * several processes can share one directory.
 *
 * @module
 */

import { join } from "node:path";
import type {
  ProposalInput,
  ProposalSink,
  ProposalStatus,
  SubmitResult,
} from "../../proxy/policy_local/mod.ts";
import { approveProposal } from "../approval/mod.ts";
import type { ApproveResult, RejectOptions, RuleRemoval } from "../client/mod.ts";
import { refreshProposal, rejectProposal } from "../approval/mod.ts";
import { withDirectoryLock } from "../repo/mod.ts";
import { ensureStateDirs, listProposalFiles, type ProposalState } from "../proposals/mod.ts";
import { isProposalId } from "../proposals/mod.ts";
import {
  findProposalRecord,
  type ProposalRecord,
  readProposalRecord,
  toProposalStatus,
} from "../proposals/mod.ts";
import { appliedPendingIds, recoverProposals } from "../approval/mod.ts";
import type { RepoInfo, StoreChange, StoreEnv } from "../proposals/mod.ts";
import { AutoApprovalMemo, CeilingRefusals, submitProposal } from "../proposals/mod.ts";
import { ceilingRefusalJournal } from "../proposals/mod.ts";
import { waitForDecision } from "../proposals/mod.ts";
import { withCurrentFindings } from "./_current_findings.ts";
import { listProposals } from "./_list_proposals.ts";
import { type ListedProposal, readCeilingText } from "../listing/mod.ts";
import { cachedRepoInfo } from "./_repo_info.ts";
import { defaults, type ProposalStoreOptions } from "./proposal_store_options.ts";
import { CandidateMemo, type CandidateView, candidateView } from "../approval/mod.ts";
import { ceilingPath, readCeilingView } from "../authority/mod.ts";
import type { ApproveOptions, RuleEnd } from "../automation/mod.ts";
import { autoApproveSubmitted, removeEndedRules } from "../automation/mod.ts";
import { PolicyCache } from "../repo/mod.ts";

/**
 * The proposal store of one policies directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalConflictError, ProposalStore } from "../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\nnetwork_policies: {}\n");
 * await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = {
 *   endpoints: [{ host: "api.github.com", port: 443 }],
 *   binaries: [{ path: "/usr/bin/curl" }],
 * };
 * const result = await store.submit({ policy: "team", ruleName: "github", rule, rationale: "r" });
 * assert(result.accepted);
 * const approved = await store.approve(result.proposal.id, { approvedBy: "alice" });
 * assert.equal(approved.revision, 1);
 * await assert.rejects(store.approve(result.proposal.id, { approvedBy: "bob" }), ProposalConflictError);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class ProposalStore implements ProposalSink {
  /** The policies directory this store is bound to. */
  readonly policiesDir: string;
  /** The org ceiling file it checks against, when not `ceiling.yaml` in the directory. */
  readonly ceilingFile?: string;
  /** It logs CONFIG:PROPOSED itself (it has an `emit`): policy.local then does not. */
  readonly recordsProposals: boolean;
  readonly #env: StoreEnv;
  readonly #listeners = new Set<(change: StoreChange) => void>();
  readonly #recheckMs: number;
  readonly #publishAuto?: ProposalStoreOptions["publishAutoApproval"];
  readonly #repoInfo: () => Promise<RepoInfo>;
  // An agent asks a proposal's state as often as it likes: the same inputs, the same view.
  readonly #candidates = new CandidateMemo<CandidateView>();

  /** Bind a store to a policies directory (`options`: clock, event sink, hooks). */
  constructor(options: ProposalStoreOptions) {
    const o = { ...defaults, ...options };
    this.policiesDir = options.policiesDir;
    this.ceilingFile = options.ceilingFile;
    this.#recheckMs = o.waitRecheckMs;
    this.recordsProposals = options.emit !== undefined;
    this.#publishAuto = options.publishAutoApproval;
    this.#repoInfo = cachedRepoInfo(options.policiesDir);
    const policies = options.policyCache ?? new PolicyCache();
    const load = (text: string, file: string) => policies.load(text, file);
    this.#env = {
      policiesDir: options.policiesDir,
      now: o.now,
      emit: o.emit,
      notify: (change) => this.#notify(change),
      repo: this.#repoInfo,
      beforeStep: async (step) => await o.beforeStep(step),
      maxPending: o.maxPendingPerSandbox,
      // Through the cache: each status asks for it, and an unchanged ceiling is compiled once.
      ceiling: () => readCeilingView(ceilingPath(options.policiesDir, options.ceilingFile), load),
      ceilingFile: options.ceilingFile,
      policies,
      // Counted from the journal: a restart does not give a held sandbox more probes.
      refusals: new CeilingRefusals({ journal: ceilingRefusalJournal(options.policiesDir) }),
      autoApprovals: new AutoApprovalMemo(),
    };
  }

  /** Listen to changes this store makes; returns the unsubscribe function. */
  subscribe(listener: (change: StoreChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Check and store a proposal (see `submitProposal`). */
  async submit(input: ProposalInput): Promise<SubmitResult> {
    const result = await submitProposal(this.#env, input);
    // Approved without a person only inside an auto_approve.yaml pattern and the ceiling; not by
    // this.approve, which a remote store publishes: there the step is published whole.
    return await autoApproveSubmitted(this.#env, result, {
      approve: (id, o) => approveProposal(this.#env, id, o),
      status: (id) => this.status(id),
      publish: this.#publishAuto,
    });
  }

  /** The agent-facing state of a proposal; undefined for an unknown or malformed id. */
  async status(id: string): Promise<ProposalStatus | undefined> {
    const record = await this.get(id);
    return record && await this.statusOf(record);
  }

  /**
   * The agent-facing state of a record: a pending one with its candidate computed against the
   * policy as it is now (hashes, review token, why approval would refuse it).
   */
  async statusOf(record: ProposalRecord): Promise<ProposalStatus> {
    const status = toProposalStatus(record);
    if (record.state !== "pending") return status;
    const policies = this.#env.policies;
    const view = await candidateView(this.policiesDir, record, {
      load: (text, file) => policies.load(text, file),
      loadCandidate: (text, file) => policies.loadCandidate(text, file),
      ceiling: await this.#env.ceiling?.(),
      memo: this.#candidates,
    });
    return { ...status, ...view };
  }

  /** Resolve when the proposal is decided, or with its pending state when `signal` aborts. */
  async wait(id: string, signal: AbortSignal): Promise<ProposalStatus | undefined> {
    if (!isProposalId(id)) return undefined;
    await ensureStateDirs(this.policiesDir);
    return await waitForDecision({
      id,
      signal,
      status: () => this.status(id),
      watchDirs: ["approved", "rejected"].map((s) => join(this.policiesDir, s)),
      recheckDirs: ["approved", "rejected", "pending"].map((s) => join(this.policiesDir, s)),
      subscribe: (fn) => this.subscribe(fn),
      recheckMs: this.#recheckMs,
    });
  }

  /**
   * Every proposal (optionally of one state), oldest first; unreadable files are skipped.
   * Pending ones carry findings recomputed now (see `withCurrentFindings`).
   */
  async list(options: { status?: ProposalState } = {}): Promise<ProposalRecord[]> {
    await this.#recoverIfNeeded();
    const files = await listProposalFiles(this.policiesDir, options.status);
    const records = await Promise.all(
      files.map((f) => readProposalRecord(f).catch(() => undefined)),
    );
    const found = records.filter((r): r is ProposalRecord => r !== undefined);
    return await withCurrentFindings(this.#env, found, await this.#env.ceiling?.());
  }

  /**
   * Every proposal (optionally of one state) as a listing shows it, oldest first: pending ones
   * from their seals, with findings recomputed only when the policy or the ceiling changed
   * since they were computed (see `listProposals`).
   */
  async listing(options: { status?: ProposalState } = {}): Promise<ListedProposal[]> {
    await this.#recoverIfNeeded();
    const files = await listProposalFiles(this.policiesDir, options.status);
    const env = { ...this.#env, ceilingFile: this.ceilingFile };
    // The text before the view: findings on a newer ceiling than their label are recomputed.
    const text = await readCeilingText(this.policiesDir, this.ceilingFile);
    return await listProposals(env, files, { view: await this.#env.ceiling?.(), text });
  }

  /** One proposal (findings recomputed when pending), or undefined for an unknown or malformed id. */
  async get(id: string): Promise<ProposalRecord | undefined> {
    if (!isProposalId(id)) return undefined;
    await this.#recoverIfNeeded(id);
    const found = await findProposalRecord(this.policiesDir, id);
    if (!found) return undefined;
    const ceiling = await this.#env.ceiling?.();
    return (await withCurrentFindings(this.#env, [found], ceiling))[0];
  }

  /** Approve a pending proposal (see `approveProposal`). */
  approve(id: string, options: ApproveOptions): Promise<ApproveResult> {
    return approveProposal(this.#env, id, options);
  }

  /** Reject a pending proposal with a reason and optional guidance. */
  reject(id: string, options: RejectOptions): Promise<void> {
    return rejectProposal(this.#env, id, options);
  }

  /** Re-draft a stale pending proposal against the current policy. */
  refresh(id: string): Promise<void> {
    return refreshProposal(this.#env, id);
  }

  /**
   * Remove the scoped rules that ended (expired, used once, session ended, revoked) with a
   * commit per policy (see `removeEndedRules`).
   */
  removeEnded(end: RuleEnd): Promise<RuleRemoval[]> {
    return removeEndedRules(this.#env, end);
  }

  /** Finish interrupted approvals now; returns the ids moved to `approved/`. */
  recover(): Promise<string[]> {
    return withDirectoryLock(this.policiesDir, () => recoverProposals(this.#env));
  }

  #notify(change: StoreChange): void {
    for (const listener of this.#listeners) {
      // A listener's failure (a push) must not fail an approval half way through its steps.
      try {
        listener(change);
      } catch {
        // The listener reports its own failures.
      }
    }
  }

  /** Finish interrupted approvals first (only `id`'s matters to a status read). */
  async #recoverIfNeeded(id?: string): Promise<void> {
    if ((await appliedPendingIds(this.policiesDir, id)).length > 0) await this.recover();
  }
}
