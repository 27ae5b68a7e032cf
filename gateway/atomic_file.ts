/**
 * Crash-safe file replacement: write a temporary file beside the target, fsync it, rename it
 * over the target, fsync the directory. A reader (or a crash) sees the old or the new content,
 * never a mix.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";

/** Temporary files of an interrupted write: `.NAME.<random>.tmp` beside the target. */
export const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/;

/** Options of `writeFileAtomic`. */
export interface WriteAtomicOptions {
  /** Permissions of a new file. */
  mode?: number;
  /**
   * Called once the new content is in place (every reader sees it) and before the directory
   * fsync that makes the rename survive a power loss.
   */
  onReplaced?: () => void;
}

const writeDefaults = { mode: 0o644, onReplaced: () => {} };

/**
 * Replace `path` with `text` atomically and durably.
 *
 * @example
 * ```ts ignore
 * await writeFileAtomic("policies/team.yaml", newText);
 * ```
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: WriteAtomicOptions = {},
): Promise<void> {
  const { mode, onReplaced } = { ...writeDefaults, ...options };
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const file = await Deno.open(temp, { write: true, createNew: true, mode });
  try {
    await writeAll(file, new TextEncoder().encode(text));
    await file.sync();
  } catch (error) {
    file.close();
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  file.close();
  await Deno.rename(temp, path);
  onReplaced();
  await syncDirectory(dir);
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let rest = bytes;
  while (rest.length > 0) rest = rest.subarray(await file.write(rest));
}

/**
 * Rename `from` to `to` (same file system) and make the rename durable.
 *
 * @example
 * ```ts ignore
 * await renameDurable("pending/p-1.patch", "approved/p-1.patch");
 * ```
 */
export async function renameDurable(from: string, to: string): Promise<void> {
  await Deno.rename(from, to);
  await syncDirectory(dirname(to));
  if (dirname(from) !== dirname(to)) await syncDirectory(dirname(from));
}

/** fsync a directory so a rename or create in it survives a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}
