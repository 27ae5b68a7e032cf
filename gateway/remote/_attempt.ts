/**
 * One attempt of a change published through a `RemoteSync`: run it, commit it, push it as a
 * fast-forward. A lost race, or a HEAD the remote's tip had left behind while the change ran,
 * undoes the change before anyone saw it, and the caller syncs and runs it again.
 *
 * @module
 */

import { type Drivers, gitCommitPaths } from "./_remote_git.ts";
import type { Integration } from "./_integrate.ts";
import { refused } from "./remote_sync_error.ts";

/** How one attempt runs, besides the change itself. */
export interface AttemptOptions {
  /** The paths the change wrote, committed after it ran; else the change commits itself. */
  commit?: { paths: string[]; subject: string };
  /** The commit the change runs on, when known (else HEAD is read now). */
  head?: string;
  /**
   * The remote's tip, asked while the change ran (`git ls-remote`; "" when the branch is
   * missing): the change is pushed only if it ran on that tip.
   */
  tip?: Promise<string>;
  /** Told whether the remote answered: an error's message, or "" once it answers again. */
  report(message: string): void;
  /** The clone's driver overrides, read once for the whole change. */
  drivers?: Drivers;
}

/** Where a change runs: its commit and the remote's tip, when known before it runs. */
export type AttemptBase = Pick<AttemptOptions, "head" | "tip">;

/**
 * Run `run` on the clone of `i` and push it: its result, or undefined when the change was
 * undone (the remote moved: sync, then try again).
 *
 * @param change what is done, for messages (`approve proposal "p-…"`)
 * @throws {RemoteSyncError} when the remote is unreachable or refused the push
 */
export async function attempt<T>(
  i: Integration,
  change: string,
  run: () => Promise<T>,
  options: AttemptOptions,
): Promise<{ result: T } | undefined> {
  const { commit, tip } = options;
  const base = options.head ?? await i.transport.head();
  let result: T;
  try {
    result = await run();
    if (commit) await gitCommitPaths(i.root, commit.paths, commit.subject, options.drivers);
  } catch (error) {
    // Refused on a HEAD the remote has left behind: the tip may decide otherwise.
    if (tip && base && await behind(i, change, tip, base, options.report)) return undefined;
    throw error;
  }
  if (tip && base && await behind(i, change, tip, base, options.report)) return undefined;
  const pushed = await i.transport.push(i.url, i.branch).catch(async (error) => {
    if (base) await i.moveTo(base, options.drivers);
    throw refused(change, (error as Error).message);
  });
  if (pushed === "ok") return { result };
  // Another gateway won the race: this change never happened here; run it again on top.
  if (base) await i.moveTo(base, options.drivers);
  return undefined;
}

/**
 * Whether the remote's tip has left `base` behind; then the change is undone. An unreachable
 * remote undoes and refuses it.
 */
async function behind(
  i: Integration,
  change: string,
  tip: Promise<string>,
  base: string,
  report: (message: string) => void,
): Promise<boolean> {
  const at = await tip.catch(async (error) => {
    report((error as Error).message);
    await i.moveTo(base);
    throw refused(change, `the policy remote is unreachable (${(error as Error).message})`);
  });
  report("");
  if (at === base) return false;
  await i.moveTo(base);
  return true;
}
