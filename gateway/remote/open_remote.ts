/**
 * The parts a gateway with `--remote` runs instead of the plain ones: a `HoldingWatcher`, a
 * `RemoteProposalStore` publishing through a `RemoteSync`, and the hook listener.
 *
 * @module
 */

import type { DirectoryWatcherOptions } from "../events/mod.ts";
import type { ProposalStoreOptions } from "../store/mod.ts";
import { HoldingWatcher } from "./holding_watcher.ts";
import { startHookListener } from "./hook_listener.ts";
import { RemoteProposalStore } from "./remote_proposal_store.ts";
import { RemoteSync } from "./remote_sync.ts";

/** Where a gateway's policy repository is shared. */
export interface RemoteOptions {
  /** Any Git remote URL; credentials come from Git's own environment. */
  url: string;
  /** The shared branch (default `main`). */
  branch?: string;
  /** Fetch period in ms, the fallback for a remote without the post-receive hook (default 5000). */
  fetchIntervalMs?: number;
  /** Deadline of each fetch or push in ms (default 5000): past it, an approval is refused. */
  timeoutMs?: number;
  /** `HOST:PORT` for the hook listener (any address the remote can reach). */
  hookListen?: string;
  /** Told about background sync failures and recoveries (one line, no credentials). */
  report?: (message: string) => void;
}

/** The remote parts of a gateway. */
export interface RemoteParts {
  /** The proposal store, which publishes each decision to the remote before it answers. */
  store: RemoteProposalStore;
  /** The policy watcher, held while a sync rewrites the work tree. */
  watcher: HoldingWatcher;
  /** Fetches, rebases and pushes the shared branch. */
  sync: RemoteSync;
  /** The URL the hook signals, when a hook address was given. */
  hookUrl?: string;
  /** Finish interrupted approvals, sync with the remote, start the fetch interval. */
  start(): Promise<void>;
  /** Close the hook listener, then the sync (its fetch interval, after any running attempt). */
  close(): Promise<void>;
}

/**
 * Clone or open the policies repository and build the remote parts from the options the plain
 * store and watcher would get (call `start()` once the watcher runs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventHub } from "../events/mod.ts";
 * import { openRemote } from "./open_remote.ts";
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
 * const policiesDir = `${dir}/gateway`;
 * const hub = new EventHub();
 * const parts = await openRemote({ url }, { store: { policiesDir }, watcher: { policiesDir, hub } });
 * await parts.watcher.start();
 * await parts.start();
 * assert.equal(parts.watcher.policy("team")?.revision, 0);
 * assert.equal(parts.hookUrl, undefined); // no hookListen: the fetch interval alone
 * await parts.close();
 * await parts.watcher.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openRemote(
  remote: RemoteOptions,
  parts: { store: ProposalStoreOptions; watcher: DirectoryWatcherOptions },
): Promise<RemoteParts> {
  const { policiesDir } = parts.store;
  // Built first (it touches no file before start()), so the sync can hold and wake it.
  const watcher = new HoldingWatcher(parts.watcher);
  const sync = await RemoteSync.open({
    policiesDir,
    url: remote.url,
    branch: remote.branch,
    fetchIntervalMs: remote.fetchIntervalMs,
    timeoutMs: remote.timeoutMs,
    around: (fn) => watcher.hold(fn),
    changed: () => void watcher.rescan(),
    report: remote.report,
  });
  const store = new RemoteProposalStore(parts.store, sync);
  const hook = remote.hookListen
    ? startHookListener(remote.hookListen, () => sync.poke())
    : undefined;
  return {
    store,
    watcher,
    sync,
    hookUrl: hook?.url,
    start: async () => {
      // A crash mid-approval is finished locally first (its commit has its trailers), then
      // pushed or, if the remote moved meanwhile, dropped by the sync.
      await store.recover().catch(() => {});
      await sync.start();
    },
    close: async () => {
      await hook?.close();
      await sync.close();
    },
  };
}
