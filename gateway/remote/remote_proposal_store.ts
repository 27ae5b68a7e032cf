/**
 * `RemoteProposalStore`: the proposal store of a gateway that shares its policy repository
 * through a Git remote. Approvals and rejections are decisions published through
 * `RemoteSync.decide` (run on the remote's tip, pushed, retried on a lost race, refused when
 * the remote is unreachable), and so is a submit's auto-approval; a submit or refresh is
 * otherwise committed and pushed in the background, so pending proposals travel with the
 * repository and a reviewer on any gateway sees them. A decision's audit events (CONFIG:APPROVED,
 * REJECTED) are logged once its push landed, from the attempt that landed only.
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
import { HeldEvents } from "./_held_events.ts";

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
  readonly #events: HeldEvents;

  /**
   * A store on `options.policiesDir`, publishing through `sync`.
   *
   * @param options the store's options
   * @param sync the clone's synchronisation with the remote
   */
  constructor(options: ProposalStoreOptions, sync: RemoteSync) {
    // A decision's audit events are logged once its push landed: an attempt undone (a clone
    // behind the remote, a lost race, the remote away) logged nothing.
    const events = new HeldEvents((event) => options.emit?.(event));
    // Auto-approval is a decision: patterns, ceiling and policy are read on the remote's tip,
    // the approval is pushed before the submit returns; refused, the proposal stays pending.
    const publishAutoApproval = (id: string, step: () => Promise<boolean>) =>
      events.published((attempt) => sync.decide("auto-approve", id, attempt), step);
    // No emit given stays none: the store then leaves CONFIG:PROPOSED to policy.local.
    super({ ...options, ...options.emit && { emit: events.emit }, publishAutoApproval });
    this.#sync = sync;
    this.#events = events;
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

  /** Approve on the remote's tip and push (see `RemoteSync.decide`); logged once pushed. */
  override approve(id: string, options: ApproveOptions): Promise<ApproveResult> {
    const approve = () => super.approve(id, options);
    return this.#events.published((step) => this.#sync.decide("approve", id, step), approve);
  }

  /** Reject on the remote's tip and push (see `RemoteSync.decide`); logged once pushed. */
  override reject(id: string, options: RejectOptions): Promise<void> {
    const reject = () => super.reject(id, options);
    return this.#events.published((step) => this.#sync.decide("reject", id, step), reject);
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
    const change = `remove the ended rules (${end.kind})`;
    const remove = () => super.removeEnded(end);
    return this.#events.published((step) => this.#sync.publish(change, step), remove);
  }

  /** Re-draft the proposal, then commit and push it in the background. */
  override async refresh(id: string): Promise<void> {
    await super.refresh(id);
    this.#sync.poke();
  }
}
