/**
 * The integration step of a sync: what a fetch brought is joined with the clone (local changes
 * recorded as a commit first, then a fast-forward, a rebase of local commits onto the remote's
 * tip, or a reset to it when they no longer apply), and what is local only is pushed.
 *
 * @module
 */

import { ensureStateDirs } from "../proposals/mod.ts";
import {
  type Drivers,
  gitCommitPaths,
  gitDirty,
  gitRebase,
  isAncestor,
  subjects,
} from "./_remote_git.ts";
import type { TransportRepo } from "./_transport_repo.ts";

/** What an integration works on, and whom it tells. */
export interface Integration {
  /** The clone's work tree root. */
  root: string;
  /** The policies directory in the clone, as a pathspec (`.` at the root). */
  pathspec: string;
  /** The policies directory (its state directories come back after git moved the tree). */
  policiesDir: string;
  /** Pushes local commits. */
  transport: TransportRepo;
  /** The remote's URL. */
  url: string;
  /** The shared branch. */
  branch: string;
  /** Move the clone to `rev` (its state directories come back), with `drivers` if read. */
  moveTo(rev: string, drivers?: Drivers): Promise<void>;
  /** Told that the work tree moved to a newer remote state. */
  changed(): void;
  /** Told about commits dropped because they conflict with the remote. */
  report(message: string): void;
}

/**
 * Join the fetched `tip` with the clone of `i`: "rejected" when the push of local commits lost
 * a race (fetch again), else "done".
 *
 * @param drivers the clone's driver overrides, read beside the fetch
 * @throws {RemoteGitError} when git fails
 */
export async function integrate(
  i: Integration,
  tip: string,
  drivers: Drivers,
): Promise<"done" | "rejected"> {
  // Two reads side by side (one git process; HEAD, and usually whether the tip descends from
  // it, are read from git's files): usually there is nothing local to record, so HEAD and
  // whether the tip descends from it still hold after.
  const descends = async (head?: string) =>
    head !== undefined && await i.transport.isAncestor(head, tip);
  const read = i.transport.head().then(async (head) => ({ head, behind: await descends(head) }));
  let [dirty, { head, behind }] = await Promise.all([
    gitDirty(i.root, [i.pathspec], drivers),
    read,
  ]);
  if (dirty) {
    const subject = "tollgate: record local proposal changes";
    await gitCommitPaths(i.root, [i.pathspec], subject, drivers);
    head = await i.transport.head();
    behind = await descends(head);
  }
  if (head === tip) return "done";
  if (!head || behind) {
    await i.moveTo(tip, drivers);
    i.changed();
    return "done";
  }
  const ahead = await isAncestor(i.root, tip, head);
  if (!ahead && !(await gitRebase(i.root, tip, drivers))) {
    // Local-only commits that no longer apply (a decision whose push never finished, on a
    // policy the remote changed since): the remote wins; they never reached anyone.
    const dropped = await subjects(i.root, tip, head);
    await i.moveTo(tip, drivers);
    i.report(`Dropped local commits that conflict with the remote: ${dropped.join("; ")}`);
    i.changed();
    return "done";
  }
  await ensureStateDirs(i.policiesDir);
  const pushed = await i.transport.push(i.url, i.branch);
  // Only a rebase moved HEAD (onto the remote's changes); a clone ahead of the tip kept its tree.
  if (!ahead) i.changed();
  return pushed === "ok" ? "done" : "rejected";
}
