/**
 * `RemoteProposalStore`: the proposal store of a gateway that shares its policy repository
 * through a Git remote. Approvals and rejections are decisions published through
 * `RemoteSync.decide` (run on the remote's tip, pushed, retried on a lost race, refused when
 * the remote is unreachable), and so is a submit's auto-approval; a submit or refresh is
 * otherwise committed and pushed in the background, so pending proposals travel with the
 * repository and a reviewer on any gateway sees them.
 *
 * @module
 */

import type { ProposalInput, ProposalStatus, SubmitResult } from "../../proxy/policy_local/mod.ts";
import type { ProposalRecord } from "../proposals/mod.ts";
import type { ApproveResult, RejectOptions, RuleRemoval } from "../client/mod.ts";
import type { RuleEnd } from "../automation/mod.ts";
import type { ApproveOptions } from "../automation/mod.ts";
import { ProposalStore, type ProposalStoreOptions } from "../store/mod.ts";
import type { RemoteSync } from "./remote_sync.ts";

/**
 * A `ProposalStore` whose decisions go through the remote.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RemoteSync } from "../mod.ts";
 * import { RemoteProposalStore } from "./remote_proposal_store.ts";
 * const dir = await Deno.makeTempDir();
 * const git = (...args: string[]) => new Deno.Command("git", { args, cwd: dir }).output();
 * // The shared remote: a bare repository whose main branch holds team.yaml.
 * await git("init", "-q", "--bare", "-b", "main", "remote.git");
 * await git("clone", "-q", "remote.git", "seed");
 * await Deno.writeTextFile(`${dir}/seed/team.yaml`, "version: 1\n");
 * await git("-C", "seed", "add", "team.yaml");
 * await git("-C", "seed", "-c", "user.name=s", "-c", "user.email=s@s", "commit", "-qm", "seed");
 * await git("-C", "seed", "push", "-q", "origin", "HEAD:main");
 * const url = `file://${dir}/remote.git`;
 * const remoteLog = async () =>
 *   new TextDecoder().decode((await git("-C", "remote.git", "log", "--format=%s", "main")).stdout);
 * const policiesDir = `${dir}/gateway`;
 * const sync = await RemoteSync.open({ policiesDir, url });
 * await sync.start();
 * const store = new RemoteProposalStore({ policiesDir }, sync);
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * await store.approve(submitted.proposal.id, { approvedBy: "alice" }); // pushed, or a RemoteSyncError
 * assert.match(await remoteLog(), /^policy\(team\): allow/m);
 * await sync.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class RemoteProposalStore extends ProposalStore {
  readonly #sync: RemoteSync;

  /**
   * A store on `options.policiesDir`, publishing through `sync`.
   *
   * @param options the store's options
   * @param sync the clone's synchronisation with the remote
   */
  constructor(options: ProposalStoreOptions, sync: RemoteSync) {
    // Auto-approval is a decision: patterns, ceiling and policy are read on the remote's tip,
    // the approval is pushed before the submit returns; refused, the proposal stays pending.
    const publishAutoApproval = (id: string, step: () => Promise<boolean>) =>
      sync.decide("auto-approve", id, step);
    super({ ...options, publishAutoApproval });
    this.#sync = sync;
  }

  /**
   * One proposal, as `ProposalStore.get`; a read that finds nothing or fails while a sync runs
   * (a rebase moves the proposal files for a moment) reads again once the sync has ended, so an
   * agent polling its proposal never sees it vanish or a 500.
   */
  override get(id: string): Promise<ProposalRecord | undefined> {
    return this.#readSettled(() => super.get(id), (record) => record !== undefined);
  }

  /** The agent-facing state of a record, read again after a running sync when it fails. */
  override statusOf(record: ProposalRecord): Promise<ProposalStatus> {
    return this.#readSettled(() => super.statusOf(record), () => true);
  }

  async #readSettled<T>(read: () => Promise<T>, found: (value: T) => boolean): Promise<T> {
    try {
      const value = await read();
      if (found(value)) return value;
    } catch {
      // Read again below, on the tree the sync leaves.
    }
    await this.#sync.settled();
    return await read();
  }

  /** Approve on the remote's tip and push (see `RemoteSync.decide`). */
  override approve(id: string, options: ApproveOptions): Promise<ApproveResult> {
    return this.#sync.decide("approve", id, () => super.approve(id, options));
  }

  /** Reject on the remote's tip and push (see `RemoteSync.decide`). */
  override reject(id: string, options: RejectOptions): Promise<void> {
    return this.#sync.decide("reject", id, () => super.reject(id, options));
  }

  /**
   * Store the proposal (an auto-approval published like a decision), then commit and push
   * what is left in the background.
   */
  override async submit(input: ProposalInput): Promise<SubmitResult> {
    let result = await super.submit(input);
    // A sync that rewrites the policy files (a rebase, a fast-forward) leaves a moment where
    // the target is missing or half-written: submit again on the tree it leaves, so an agent
    // never hears "Unknown policy" for a policy that exists.
    if (!result.accepted && result.code === "policy_unavailable") {
      await this.#sync.settled();
      result = await super.submit(input);
    }
    this.#sync.poke();
    return result;
  }

  /**
   * Remove ended scoped rules (one commit per policy) on the remote's tip and push, like a
   * decision: a lost race runs the removal again on the winner's policy, an unreachable
   * remote refuses it (`RemoteSyncError`; the sweeper tries again later).
   */
  override removeEnded(end: RuleEnd): Promise<RuleRemoval[]> {
    return this.#sync.publish(`remove the ended rules (${end.kind})`, () => super.removeEnded(end));
  }

  /** Re-draft the proposal, then commit and push it in the background. */
  override async refresh(id: string): Promise<void> {
    await super.refresh(id);
    this.#sync.poke();
  }
}
