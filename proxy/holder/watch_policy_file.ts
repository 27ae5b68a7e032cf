/**
 * Follow a policy file on disk: reload on every change, report each failed reload, and keep
 * the last good policy in force when the file is broken or deleted.
 *
 * @module
 */

import { resolve } from "node:path";
import { configEvent, type OcsfEvent } from "../ocsf/mod.ts";
import type { PolicyHolder } from "./policy_holder.ts";
import type { PolicySnapshot } from "./policy_snapshot.ts";
import { fileChanges } from "./_file_changes.ts";
import { decodeFileBytes, encodesTo, sameBytes } from "./_read_text_file.ts";
import { reloadFailedEvent, reloadFromText } from "./reload_from_text.ts";

/** Options of {@linkcode watchPolicyFile}. */
export interface WatchOptions {
  /** Stops the watcher. */
  signal: AbortSignal;
  /** Receives a CONFIG:LOADED or CONFIG:FAILED event for every reload attempt. */
  onEvent?: (event: OcsfEvent) => void;
  /** Quiet time after the last file event before reloading. */
  debounceMs?: number;
  /**
   * How long the file must stay missing before it counts as deleted (an editor may unlink
   * it and write a new one a moment later).
   */
  missingGraceMs?: number;
}

const watchDefaults = { debounceMs: 20, missingGraceMs: 250 } satisfies Partial<WatchOptions>;

/** What one look at the file found. */
type Outcome = "missing" | "unchanged" | "reloaded";

/**
 * The bytes whose text is the snapshot in force. Comparing two large texts makes a flat copy of
 * each that is not flat yet (a decoded file never is): megabytes of fresh memory touched in one
 * go on this thread (~9 ms for 10,000 rules here). Comparing the bytes reads nothing new.
 */
interface InForce {
  snapshot: PolicySnapshot;
  bytes: Uint8Array;
}

/**
 * Reload `holder` whenever `path` changes: the directory is watched (editors and atomic
 * writers rename a temporary file into place; the file is polled where the kernel refuses a
 * watch), events are debounced, and the file is reloaded only when its content differs from
 * the policy in force. An invalid file logs CONFIG:FAILED
 * with every issue; a file missing for `missingGraceMs` logs CONFIG:FAILED "policy file
 * deleted" once (and CONFIG:LOADED when the same text comes back). Either way the last good
 * policy stays in force.
 *
 * @returns Resolves once `signal` aborted and the watcher is closed.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyHolder } from "./policy_holder.ts";
 * import { watchPolicyFile } from "./watch_policy_file.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const file = `${dir}/demo.yaml`;
 * await Deno.writeTextFile(file, "version: 1\n");
 * const holder = await PolicyHolder.load("demo", file);
 * const stop = new AbortController();
 * const reloaded = Promise.withResolvers<string>();
 * const watching = watchPolicyFile(holder, file, {
 *   signal: stop.signal,
 *   debounceMs: 10,
 *   onEvent: (event) => reloaded.resolve(String(event.message)),
 * });
 * await Deno.writeTextFile(file, "version: 1\nrevision: 2\n");
 * assert.equal(await reloaded.promise, "Policy reloaded successfully");
 * assert.equal(holder.current().revision, 2);
 * stop.abort();
 * await watching;
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function watchPolicyFile(
  holder: PolicyHolder,
  path: string,
  options: WatchOptions,
): Promise<void> {
  if (options.signal.aborted) return;
  const o = { ...watchDefaults, ...options };
  const file = resolve(path);
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Whether the deletion was reported: a deleted file is reported once, not at every event.
  let reportedMissing = false;
  const stop = () => clearTimeout(timer);
  options.signal.addEventListener("abort", stop, { once: true });
  const held: { inForce?: InForce } = {};
  void primeInForce(holder, file, held);
  const look = async (confirming: boolean) => {
    const outcome = await reloadFromFile(holder, file, o.onEvent, held);
    if (outcome !== "missing") {
      if (reportedMissing && outcome === "unchanged") o.onEvent?.(restoredEvent(holder));
      reportedMissing = false;
    } else if (!reportedMissing && !o.signal.aborted) {
      clearTimeout(timer);
      if (!confirming) timer = setTimeout(() => void look(true), o.missingGraceMs);
      else {
        reportedMissing = true;
        o.onEvent?.(missingEvent(holder));
      }
    }
  };
  try {
    for await (const _ of fileChanges(file, options.signal)) {
      clearTimeout(timer);
      timer = setTimeout(() => void look(false), o.debounceMs);
    }
  } finally {
    options.signal.removeEventListener("abort", stop);
    clearTimeout(timer);
  }
}

/**
 * The file's bytes, when they are those of the text the holder started with (read once, at
 * start; the text is compared a slice per turn, as it encodes).
 */
async function primeInForce(
  holder: PolicyHolder,
  file: string,
  held: { inForce?: InForce },
): Promise<void> {
  const bytes = await Deno.readFile(file).catch(() => undefined);
  const snapshot = holder.current();
  if (!bytes || !await encodesTo(snapshot.text, bytes)) return;
  if (!held.inForce && holder.current() === snapshot) held.inForce = { snapshot, bytes };
}

async function reloadFromFile(
  holder: PolicyHolder,
  file: string,
  onEvent: ((event: OcsfEvent) => void) | undefined,
  held: { inForce?: InForce },
): Promise<Outcome> {
  let bytes: Uint8Array;
  try {
    // Read off this thread and decoded in slices: a large policy is never decoded in one go here.
    bytes = await Deno.readFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    onEvent?.(reloadFailedEvent(holder, [`Cannot read policy file: ${message}`]));
    return "unchanged";
  }
  const last = held.inForce?.snapshot === holder.current() ? held.inForce : undefined;
  if (last && sameBytes(bytes, last.bytes)) return "unchanged";
  const { text, utf8, lossy } = await decodeFileBytes(bytes);
  // Other bytes give another text, unless one of the two is not UTF-8: a text without U+FFFD
  // came from valid UTF-8 (decoded one to one), and one with it differs from any without. So
  // the texts are compared only without known bytes, or when this text holds a U+FFFD.
  if (!last || lossy) {
    const current = holder.current();
    if (text === current.text) {
      held.inForce = { snapshot: current, bytes };
      return "unchanged";
    }
  }
  // The bytes as read go to the load worker: the text is never read whole on this thread.
  const result = await reloadFromText(holder, text, onEvent, { utf8 });
  if (result.ok && !result.superseded) held.inForce = { snapshot: result.snapshot, bytes };
  return "reloaded";
}

function missingEvent(holder: PolicyHolder): OcsfEvent {
  const { revision, hash, name } = holder.current();
  const message = `Policy reload failed: policy file deleted; keeping revision ${revision}`;
  return configEvent("FAILED", message, { revision, hash, policy: name });
}

function restoredEvent(holder: PolicyHolder): OcsfEvent {
  const { revision, hash, name } = holder.current();
  const message = `Policy file restored; revision ${revision} in force`;
  return configEvent("LOADED", message, { revision, hash, policy: name });
}
