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
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileAtomic } from "./atomic_file.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/team.yaml`, "version: 1\n");
 * assert.equal(await Deno.readTextFile(`${dir}/team.yaml`), "version: 1\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: WriteAtomicOptions = {},
): Promise<void> {
  const { mode, onReplaced } = { ...writeDefaults, ...options };
  const staged = await stageFile(path, text, mode);
  await staged.replace();
  onReplaced();
  await syncDirectory(dirname(path));
}

/** New content written and fsynced beside its target, waiting to be renamed over it. */
export interface StagedFile {
  /** The file it will replace. */
  readonly path: string;
  /** Rename the staged content over `path` (atomic; durable once its directory is synced). */
  replace(): Promise<void>;
  /** Remove the staged content if it was not used; never throws. */
  discard(): Promise<void>;
}

/**
 * Write `text` to a temporary file beside `path` and fsync it, without touching `path` yet.
 * Several files can be staged at once, so their fsyncs overlap, then replaced in the order
 * that crash recovery needs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stageFile, syncDirectories } from "./atomic_file.ts";
 * const dir = await Deno.makeTempDir();
 * const [a, b] = await Promise.all([stageFile(`${dir}/a`, "1"), stageFile(`${dir}/b`, "2")]);
 * await a.replace();
 * await b.replace();
 * await syncDirectories([a.path, b.path]);
 * assert.equal(await Deno.readTextFile(`${dir}/b`), "2");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function stageFile(
  path: string,
  text: string,
  mode: number = writeDefaults.mode,
): Promise<StagedFile> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
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
  let used = false;
  return {
    path,
    replace: async () => {
      await Deno.rename(temp, path);
      used = true;
    },
    discard: async () => {
      if (!used) await Deno.remove(temp).catch(() => {});
    },
  };
}

/**
 * fsync the directories of `paths` (each once, in parallel), making renames in them durable.
 *
 * @example
 * ```ts
 * import { syncDirectories } from "./atomic_file.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * await syncDirectories([`${dir}/team.yaml`]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function syncDirectories(paths: string[]): Promise<void> {
  await Promise.all([...new Set(paths.map((p) => dirname(p)))].map(syncDirectory));
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let rest = bytes;
  while (rest.length > 0) rest = rest.subarray(await file.write(rest));
}

/**
 * Rename `from` to `to` (same file system) and make the rename durable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renameDurable } from "./atomic_file.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/p-1.patch`, "");
 * await renameDurable(`${dir}/p-1.patch`, `${dir}/p-2.patch`);
 * assert((await Deno.stat(`${dir}/p-2.patch`)).isFile);
 * await Deno.remove(dir, { recursive: true });
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
