/**
 * `RemoteSync`: one gateway's policies clone kept in step with the shared Git remote
 * (ARCHITECTURE §7). Git's compare-and-swap on the branch is the only coordination: a decision
 * (approve, reject) or a removal of ended rules (expiry, once, session end, revocation)
 * first brings the clone up to the remote's tip, runs on it, commits, and pushes as a
 * fast-forward; a rejected push means another gateway won, so the local commits are undone,
 * the clone moves to the new tip, and the change runs again from the start (its checks
 * against the new policy, its revision after the winner's). Other local changes (new
 * proposals) are committed and pushed in the background; remote changes arrive by fetch (on
 * a change signal, or every `fetchIntervalMs`).
 *
 * @module
 */

import { relative } from "node:path";
import { withDirectoryLock } from "../repo/mod.ts";
import { excludeLocalFiles, gitDriverOverrides, gitWorkTreeRoot } from "../repo/mod.ts";
import { ensureStateDirs } from "../proposals/mod.ts";
import { type Drivers, gitClone, gitDirty, gitResetKeep, redactUrl } from "./_remote_git.ts";
import { attempt, type AttemptBase } from "./_attempt.ts";
import { integrate, type Integration } from "./_integrate.ts";
import { TransportRepo } from "./_transport_repo.ts";
import { SerialQueue } from "./_serial_queue.ts";
import { refused, RemoteSyncError } from "./remote_sync_error.ts";
import { type RemoteSyncOptions, withDefaults } from "./remote_sync_options.ts";

/**
 * The clone of one gateway, synchronised with the remote.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RemoteSync } from "../mod.ts";
 * const dir = await Deno.makeTempDir();
 * const git = (...args: string[]) => new Deno.Command("git", { args, cwd: dir }).output();
 * await git("init", "-q", "-b", "main", "seed");
 * await Deno.writeTextFile(`${dir}/seed/team.yaml`, "version: 1\n");
 * await git("-C", "seed", "add", "team.yaml");
 * await git("-C", "seed", "-c", "user.name=s", "-c", "user.email=s@s", "commit", "-qm", "seed");
 * await git("clone", "-q", "--bare", "seed", "remote.git"); // the shared remote
 * const sync = await RemoteSync.open({ policiesDir: `${dir}/gateway`, url: `file://${dir}/remote.git` });
 * await sync.start(); // open() cloned the remote's main into the policies directory
 * assert.equal(await Deno.readTextFile(`${dir}/gateway/team.yaml`), "version: 1\n");
 * // Decisions go through sync.decide() (see RemoteProposalStore): committed, then pushed.
 * await sync.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class RemoteSync {
  readonly #o: Required<RemoteSyncOptions>;
  readonly #root: string;
  readonly #prefix: string;
  readonly #transport: TransportRepo;
  readonly #i: Integration;
  #queue = new SerialQueue();
  #poked = false;
  #timer?: ReturnType<typeof setInterval>;
  #lastReport = "";

  private constructor(
    o: Required<RemoteSyncOptions>,
    root: string,
    where: { prefix: string; transport: TransportRepo },
  ) {
    this.#o = o;
    this.#root = root;
    this.#prefix = where.prefix;
    this.#transport = where.transport;
    this.#i = {
      root,
      pathspec: where.prefix === "" ? "." : where.prefix,
      policiesDir: o.policiesDir,
      transport: where.transport,
      url: o.url,
      branch: o.branch,
      moveTo: (rev, drivers) => this.#moveTo(rev, drivers),
      changed: () => o.changed(),
      report: (message) => o.report(message),
    };
  }

  /**
   * Bind to the clone holding `options.policiesDir`, cloning the remote's branch into it
   * first when it is in no repository.
   *
   * @throws {RemoteSyncError} when the clone fails
   */
  static async open(options: RemoteSyncOptions): Promise<RemoteSync> {
    const o = withDefaults(options);
    let root = await gitWorkTreeRoot(o.policiesDir);
    if (!root) {
      const clone = { branch: o.branch, timeoutMs: o.timeoutMs * 12 };
      await gitClone(o.policiesDir, o.url, clone).catch((error) => {
        throw new RemoteSyncError(`Cannot start: ${(error as Error).message}`);
      });
      root = (await gitWorkTreeRoot(o.policiesDir))!;
    }
    const rel = relative(await Deno.realPath(root), await Deno.realPath(o.policiesDir));
    await excludeLocalFiles(root);
    const transport = await TransportRepo.open(root, o).catch((error) => {
      throw new RemoteSyncError(`Cannot start: ${(error as Error).message}`);
    });
    return new RemoteSync(o, root, { prefix: rel === "" ? "" : `${rel}/`, transport });
  }

  /** Bring the clone up to the remote now, then fetch every `fetchIntervalMs`. */
  async start(): Promise<void> {
    await this.#queue.run(() => this.#syncOnce()).catch(() => {});
    if (this.#o.fetchIntervalMs > 0) {
      this.#timer = setInterval(() => this.poke(), this.#o.fetchIntervalMs);
    }
  }

  /**
   * Ask for a sync soon (a change signal, a local change): fetch, integrate (fast-forward, or
   * rebase local commits onto the remote's tip; commits that conflict are dropped and
   * reported), push what is local only. At most one waits in line.
   */
  poke(): void {
    if (this.#poked) return;
    this.#poked = true;
    void this.#queue.run(() => {
      this.#poked = false;
      return this.#syncOnce();
    }).catch(() => {});
  }

  /** Resolves once the syncs and decisions queued now have ended (at once from inside one). */
  settled(): Promise<void> {
    return this.#queue.settled();
  }

  /**
   * Run decision `run` on proposal `id` against the remote's tip and publish it (see
   * `publish`), committing the proposal's files it changed.
   *
   * @param what the verb for messages ("approve", "reject")
   * @throws {RemoteSyncError} when the remote is unreachable or the branch kept moving
   */
  decide<T>(what: string, id: string, run: () => Promise<T>): Promise<T> {
    const commit = {
      paths: [`:(glob)${this.#prefix}**/${id}.*`],
      subject: `tollgate: ${what} proposal ${id}`,
    };
    return this.publish(`${what} proposal "${id}"`, run, commit);
  }

  /**
   * Run change `run` against the remote's tip and publish it: commit (with `commit`, the paths
   * it changed; else `run` commits itself, as the removal of ended rules does), push; on a lost
   * race undo, move to the new tip and run it again (its checks see the winner's policy). A
   * clone already at the tip is told so by a `git ls-remote` that runs beside the change, not
   * before it; a clone behind it undoes the change unpushed and runs it again after a sync.
   *
   * @param change what is done, for messages (`remove the ended rules (expired)`)
   * @throws {RemoteSyncError} when the remote is unreachable or the branch kept moving
   */
  publish<T>(
    change: string,
    run: () => Promise<T>,
    commit?: { paths: string[]; subject: string },
  ): Promise<T> {
    return this.#queue.run(async () => {
      const report = (message: string) => this.#report(message);
      const drivers = gitDriverOverrides(this.#root); // one read for every git run of the change
      for (let n = 0; n < this.#o.retries; n++) {
        const base = await this.#base(change, n === 0, drivers);
        const options = { commit, report, drivers, ...base };
        const done = await this.#o.around(() => attempt(this.#i, change, run, options));
        if (done) return done.result;
      }
      throw new RemoteSyncError(
        `Cannot ${change}: the remote branch moved on every one of ${this.#o.retries} ` +
          "attempts; try again",
      );
    });
  }

  /** Stop the fetch interval, wait for a running sync, remove the transport repository. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#queue.settled();
    await this.#transport.close();
  }

  /**
   * The commit a change runs on. At the first attempt, HEAD when nothing local waits to be
   * recorded, with the remote's tip asked (`git ls-remote`) while the change runs: the attempt
   * pushes only if HEAD was that tip (as a hook or the fetch interval keeps it), else it undoes
   * the change and the next attempt syncs. Otherwise (something to record, a lost race: the
   * remote moved for sure), a sync first; then HEAD is read by the attempt.
   */
  async #base(change: string, first: boolean, drivers: Drivers): Promise<AttemptBase> {
    if (first) {
      const [head, dirty] = await Promise.all([
        this.#transport.head(),
        gitDirty(this.#root, [this.#i.pathspec], drivers).catch(() => true),
      ]);
      if (head !== undefined && !dirty) {
        const tip = this.#transport.remoteTip(this.#o.url, this.#o.branch).then((t) => t ?? "");
        tip.catch(() => {}); // the attempt handles a failure where it awaits the tip
        return { head, tip };
      }
    }
    await this.#syncOnce().catch((error) => {
      throw refused(change, `the policy remote is unreachable (${(error as Error).message})`);
    });
    return {};
  }

  async #syncOnce(): Promise<void> {
    for (let attempt = 0; attempt < this.#o.retries; attempt++) {
      const outcome = await this.#fetchAndIntegrate().catch((error) => {
        this.#report((error as Error).message);
        throw error;
      });
      if (outcome !== "rejected") return this.#report("");
    }
    throw new RemoteSyncError("the remote branch kept moving");
  }

  /** Fetch, then integrate the tip while the clone's copy of the remote ref is set. */
  async #fetchAndIntegrate(): Promise<"done" | "rejected"> {
    // The clone's driver overrides are read while the fetch runs (one git run beside it).
    const drivers = gitDriverOverrides(this.#root);
    drivers.catch(() => {}); // a failed fetch never awaits them
    const { tip, recorded } = await this.#transport.fetch(this.#o.url, this.#o.branch);
    const [integrated, set] = await Promise.allSettled([
      withDirectoryLock(this.#o.policiesDir, () => integrate(this.#i, tip, drivers)),
      recorded,
    ]);
    if (integrated.status === "rejected") throw integrated.reason;
    if (set.status === "rejected") throw set.reason;
    return integrated.value;
  }

  /** Reset to `rev`; git removes directories it emptied, the state directories come back. */
  async #moveTo(rev: string, drivers?: Drivers): Promise<void> {
    await gitResetKeep(this.#root, rev, drivers);
    await ensureStateDirs(this.#o.policiesDir);
  }

  #report(message: string): void {
    if (message === this.#lastReport) return;
    const was = this.#lastReport;
    this.#lastReport = message;
    if (message) this.#o.report(`Policy remote ${redactUrl(this.#o.url)}: ${message}`);
    else if (was) this.#o.report(`Policy remote ${redactUrl(this.#o.url)} reachable again`);
  }
}
