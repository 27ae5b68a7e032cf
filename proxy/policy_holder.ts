/**
 * The policy a proxy enforces right now: one immutable snapshot swapped atomically on reload,
 * with a generation counter that kept-alive connections compare against.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import {
  type CompiledPolicy,
  formatIssue,
  type LoadedPolicy,
  loadPolicyFile,
  loadPolicyText,
  type Policy,
  type PolicyIssue,
  PolicyValidationError,
} from "./policy/mod.ts";
import { configEvent, type OcsfEvent } from "./ocsf/mod.ts";

/** One enforced policy version; never mutated after it is published. */
export interface PolicySnapshot {
  /** Policy name (the file is `NAME.yaml`). */
  name: string;
  /** Path of the policy file. */
  file: string;
  /** The YAML text as loaded (comments included). */
  text: string;
  /** The validated policy. */
  policy: Policy;
  /** Matchers built once, for `decide()`. */
  compiled: CompiledPolicy;
  /** Content hash of the validated policy. */
  hash: string;
  /** The file's `revision`. */
  revision: number;
  /** Local reload counter: 1 for the first policy, +1 for every successful swap. */
  generation: number;
}

/** Result of {@linkcode PolicyHolder.update}. */
export type UpdateResult =
  | { ok: true; snapshot: PolicySnapshot }
  | { ok: false; issues: PolicyIssue[] };

/**
 * Holds the current policy snapshot of one proxy.
 *
 * @example
 * ```ts
 * import { PolicyHolder } from "./policy_holder.ts";
 * const holder = PolicyHolder.fromText("demo", "demo.yaml", "version: 1\nrevision: 3\n");
 * const result = holder.update("version: 1\nrevision: 4\n");
 * console.assert(result.ok && holder.current().generation === 2);
 * ```
 */
export class PolicyHolder {
  #current: PolicySnapshot;
  #listeners = new Set<(snapshot: PolicySnapshot) => void>();

  /** Hold an already loaded policy as generation 1. */
  constructor(name: string, loaded: LoadedPolicy) {
    this.#current = snapshotOf(name, loaded, 1);
  }

  /**
   * Load `file` and hold it.
   *
   * @throws {PolicyValidationError} When the file is missing or invalid.
   */
  static async load(name: string, file: string): Promise<PolicyHolder> {
    return new PolicyHolder(name, await loadPolicyFile(file));
  }

  /**
   * Hold policy text.
   *
   * @throws {PolicyValidationError} When the text is not a valid policy.
   */
  static fromText(name: string, file: string, text: string): PolicyHolder {
    return new PolicyHolder(name, loadPolicyText(text, file));
  }

  /** The snapshot in force. */
  current(): PolicySnapshot {
    return this.#current;
  }

  /** The generation in force (cheap check for kept-alive connections). */
  get generation(): number {
    return this.#current.generation;
  }

  /**
   * Validate and compile `text`; on success swap it in (generation + 1) and notify listeners.
   * An invalid text changes nothing.
   */
  update(text: string): UpdateResult {
    let loaded: LoadedPolicy;
    try {
      loaded = loadPolicyText(text, this.#current.file);
    } catch (error) {
      if (error instanceof PolicyValidationError) return { ok: false, issues: error.issues };
      throw error;
    }
    const snapshot = snapshotOf(this.#current.name, loaded, this.#current.generation + 1);
    this.#current = snapshot;
    for (const listener of [...this.#listeners]) {
      try {
        listener(snapshot);
      } catch {
        // One failing listener must not stop the others from seeing the new policy.
      }
    }
    return { ok: true, snapshot };
  }

  /** Call `listener` after every successful swap; returns the unsubscribe function. */
  subscribe(listener: (snapshot: PolicySnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }
}

function snapshotOf(name: string, loaded: LoadedPolicy, generation: number): PolicySnapshot {
  return {
    name,
    file: loaded.file,
    text: loaded.text,
    policy: loaded.policy,
    compiled: loaded.compiled,
    hash: loaded.hash,
    revision: loaded.policy.revision,
    generation,
  };
}

/** Options of {@linkcode watchPolicyFile}. */
export interface WatchOptions {
  /** Stops the watcher. */
  signal: AbortSignal;
  /** Receives a CONFIG:LOADED or CONFIG:FAILED event for every reload attempt. */
  onEvent?: (event: OcsfEvent) => void;
  /** Quiet time after the last file event before reloading. */
  debounceMs?: number;
}

const watchDefaults = { debounceMs: 20 } satisfies Partial<WatchOptions>;

/**
 * Reload `holder` whenever `path` changes: the directory is watched (editors and atomic
 * writers rename a temporary file into place), events are debounced, and the file is reloaded
 * only when its content differs from the policy in force. An invalid file logs
 * CONFIG:FAILED with every issue and keeps the last good policy.
 *
 * @returns Resolves once `signal` aborted and the watcher is closed.
 * @example
 * ```ts ignore
 * const stop = new AbortController();
 * const watching = watchPolicyFile(holder, "policies/demo.yaml", { signal: stop.signal });
 * stop.abort();
 * await watching;
 * ```
 */
export async function watchPolicyFile(
  holder: PolicyHolder,
  path: string,
  options: WatchOptions,
): Promise<void> {
  if (options.signal.aborted) return;
  const file = resolve(path);
  const watcher = Deno.watchFs(dirname(file), { recursive: false });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    clearTimeout(timer);
    watcher.close();
  };
  options.signal.addEventListener("abort", stop, { once: true });
  const reload = () => reloadFromFile(holder, file, options.onEvent);
  try {
    for await (const event of watcher) {
      if (!event.paths.some((p) => resolve(p) === file)) continue;
      clearTimeout(timer);
      timer = setTimeout(reload, options.debounceMs ?? watchDefaults.debounceMs);
    }
  } finally {
    options.signal.removeEventListener("abort", stop);
    clearTimeout(timer);
  }
}

async function reloadFromFile(
  holder: PolicyHolder,
  file: string,
  onEvent: ((event: OcsfEvent) => void) | undefined,
): Promise<void> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    // Between an unlink and a rename the file may be briefly missing: the next event reloads.
    if (error instanceof Deno.errors.NotFound) return;
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    onEvent?.(failedEvent(holder, [`Cannot read policy file: ${message}`]));
    return;
  }
  if (text === holder.current().text) return;
  reloadFromText(holder, text, onEvent);
}

/**
 * Swap in a new policy text (from a file or a gateway push), reporting CONFIG:LOADED, or
 * CONFIG:FAILED with every issue while the last good policy stays in force.
 *
 * @example
 * ```ts
 * import { PolicyHolder, reloadFromText } from "./policy_holder.ts";
 * const holder = PolicyHolder.fromText("demo", "demo.yaml", "version: 1\n");
 * reloadFromText(holder, "version: 2\n", (event) => console.assert(event.class_uid === 5019));
 * console.assert(holder.current().generation === 1);
 * ```
 */
export function reloadFromText(
  holder: PolicyHolder,
  text: string,
  onEvent: ((event: OcsfEvent) => void) | undefined,
): UpdateResult {
  const result = holder.update(text);
  if (result.ok) {
    const { revision, hash, name } = result.snapshot;
    onEvent?.(
      configEvent("LOADED", "Policy reloaded successfully", { revision, hash, policy: name }),
    );
  } else {
    onEvent?.(failedEvent(holder, result.issues.map(formatIssue)));
  }
  return result;
}

function failedEvent(holder: PolicyHolder, problems: string[]): OcsfEvent {
  const { revision, hash, name } = holder.current();
  const message = `Policy reload failed, keeping revision ${revision}: ${problems.join("; ")}`;
  return configEvent("FAILED", message, { revision, hash, policy: name });
}
