/**
 * When one file may have changed: from a watch of its directory (editors and atomic writers
 * rename a temporary file into place), or from a look at its status every
 * {@linkcode POLL_MS} when the kernel refuses the watch. inotify instances are counted per user
 * across namespaces, and a sandboxed command runs as its runner's user: it can take them all,
 * and a proxy started meanwhile must still follow its policy file.
 *
 * @module
 */

import { dirname, resolve } from "node:path";

/** How often a file without a watch is looked at. */
export const POLL_MS = 500;

/** A change this recent may share its time stamp with a later one: it is reported again. */
const COARSE_MS = 2_000;

/**
 * Yields whenever `file` may have changed (more often is harmless: the caller compares), until
 * `signal` aborts.
 */
export async function* fileChanges(file: string, signal: AbortSignal): AsyncGenerator<void> {
  let watcher: Deno.FsWatcher;
  try {
    watcher = Deno.watchFs(dirname(file), { recursive: false });
  } catch {
    yield* polledChanges(file, signal);
    return;
  }
  const stop = () => watcher.close();
  signal.addEventListener("abort", stop, { once: true });
  try {
    for await (const event of watcher) {
      if (event.paths.some((p) => resolve(p) === file)) yield;
    }
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

async function* polledChanges(file: string, signal: AbortSignal): AsyncGenerator<void> {
  let last = await stamp(file);
  while (await pause(signal)) {
    const now = await stamp(file);
    if (now.key !== last.key || now.recent) yield;
    last = now;
  }
}

/** What tells one state of the file from another: its inode, size and modification time. */
async function stamp(file: string): Promise<{ key: string; recent: boolean }> {
  try {
    const s = await Deno.stat(file);
    const mtime = s.mtime?.getTime() ?? 0;
    return { key: `${s.ino}:${s.size}:${mtime}`, recent: Date.now() - mtime < COARSE_MS };
  } catch {
    return { key: "missing", recent: false };
  }
}

/** Waits {@linkcode POLL_MS}; false once `signal` aborted. */
function pause(signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((done) => {
    const end = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", end);
      done(!signal.aborted);
    };
    const timer = setTimeout(end, POLL_MS);
    signal.addEventListener("abort", end, { once: true });
  });
}
