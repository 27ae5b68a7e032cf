/**
 * The policy a proxy enforces right now: one immutable snapshot swapped atomically on reload,
 * with a generation counter that kept-alive connections compare against.
 *
 * @module
 */

import { loadOffThread, OFF_THREAD_CHARS } from "./_parse_off_thread.ts";
import {
  type LoadedPolicy,
  loadPolicyFile,
  loadPolicyText,
  LoadWorker,
  type LoadWorkerOptions,
  type PolicyIssue,
  PolicyValidationError,
  realBinaryPath,
  ValidatedRules,
} from "../policy/mod.ts";
import { type PolicySnapshot, snapshotOf } from "./policy_snapshot.ts";

// The proxy runs beside its sandboxes: a binary path as written resolves on this host, to the
// executable the kernel reports for the requester.
const ON_THIS_HOST = { resolveBinary: realBinaryPath };

/** Options of {@linkcode PolicyHolder}. */
export interface PolicyHolderOptions {
  /** The load worker's module (tests give a crashing one). */
  worker?: LoadWorkerOptions;
}

/** Options of {@linkcode PolicyHolder.reload}. */
export interface ReloadOptions {
  /**
   * The text as UTF-8 slices (a policy file's bytes as read), moved to the load worker as they
   * are: the text is then never read whole on this thread, where making a flat copy of a large
   * text costs one long stretch (the first touch of megabytes of fresh memory). They must
   * decode to the text; they are moved (detached), not copied.
   */
  utf8?: Uint8Array<ArrayBuffer>[];
}

/** Result of {@linkcode PolicyHolder.update}. */
export type UpdateResult =
  /** `superseded`: a newer reload was asked for before this one started; only it is loaded. */
  | { ok: true; snapshot: PolicySnapshot; superseded?: true }
  | { ok: false; issues: PolicyIssue[] };

/**
 * Holds the current policy snapshot of one proxy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyHolder } from "./policy_holder.ts";
 * const holder = PolicyHolder.fromText("demo", "demo.yaml", "version: 1\nrevision: 3\n");
 * const result = holder.update("version: 1\nrevision: 4\n");
 * assert(result.ok && holder.current().generation === 2);
 * ```
 */
export class PolicyHolder {
  #current: PolicySnapshot;
  #listeners = new Set<(snapshot: PolicySnapshot) => void>();
  #spent = new Set<string>();
  #spentListeners = new Set<(ruleKey: string, expiresAt?: number) => void>();
  /** The sandbox id this proxy serves: a session-scoped rule allows only its own sandbox. */
  sandbox?: string;
  #reloads: Promise<void> = Promise.resolve();
  #asked = 0;
  #workerOptions: LoadWorkerOptions;
  // Started with a large policy or by the first large reload, and kept: a worker's start blocks
  // this thread for tens of milliseconds, too long to pay on every reload.
  #worker?: LoadWorker;
  // A push carries the whole policy; an approval changes one rule of it: the others are taken
  // as the last clean push validated them (a proxy's CPU per push, with 100 proxies on 2 cores).
  #known = new ValidatedRules();

  /** Hold an already loaded policy as generation 1. */
  constructor(name: string, loaded: LoadedPolicy, options: PolicyHolderOptions = {}) {
    this.#current = snapshotOf(name, loaded, 1);
    this.#workerOptions = options.worker ?? {};
    // A large policy is reloaded by the worker: start it now, before any request waits, and
    // have it hold this policy, so a gateway's first push (a change from it) applies at once.
    // Started here, not by the load: `new Worker` blocks this thread until its isolate exists
    // (30-120 ms), and the load posts after encoding over several turns, when the proxy may
    // be serving (issue #15). Handed the policy validated here as JSON, it validates that
    // instead of parsing the YAML again (2-4× its CPU, which overlapped the first reload).
    if (loaded.text.length >= OFF_THREAD_CHARS) {
      const worker = this.#loader();
      worker.start();
      void worker.load(loaded.text, loaded.file, { json: JSON.stringify(loaded.policy) })
        .catch(() => {});
    }
  }

  /**
   * Load `file` and hold it.
   *
   * @throws {PolicyValidationError} When the file is missing or invalid.
   */
  static async load(name: string, file: string): Promise<PolicyHolder> {
    return new PolicyHolder(name, await loadPolicyFile(file, ON_THIS_HOST));
  }

  /**
   * Hold policy text.
   *
   * @throws {PolicyValidationError} When the text is not a valid policy.
   */
  static fromText(name: string, file: string, text: string): PolicyHolder {
    return new PolicyHolder(name, loadPolicyText(text, file, ON_THIS_HOST));
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
      loaded = loadPolicyText(text, this.#current.file, ON_THIS_HOST);
    } catch (error) {
      if (error instanceof PolicyValidationError) return { ok: false, issues: error.issues };
      throw error;
    }
    return this.#swap(loaded);
  }

  /**
   * `update()` off the request path (`loadOffThread`): only the finished snapshot is swapped
   * in, requests meanwhile are decided by the policy in force. Reloads apply in order; one still
   * waiting when a newer one is asked for is skipped (`superseded`). `json`, when given, is the
   * same policy as a JSON document (a gateway's push): it is validated instead of parsing the
   * YAML, which is parsed only when the JSON is not a clean policy. `options.utf8` gives the
   * text's bytes, when the caller has them.
   */
  reload(text: string, json?: string, options: ReloadOptions = {}): Promise<UpdateResult> {
    const ask = ++this.#asked;
    const run = this.#reloads.then(async (): Promise<UpdateResult> => {
      // Pushes that queue behind a running reload (a burst of approvals, a slow 10,000-rule
      // parse) are already stale: load only the newest instead of each in turn.
      if (ask !== this.#asked) return { ok: true, snapshot: this.#current, superseded: true };
      const off = {
        compile: ON_THIS_HOST,
        json,
        utf8: options.utf8,
        worker: this.#loader(),
        known: this.#known,
      };
      const loaded = await loadOffThread(text, this.#current.file, off);
      if ("issues" in loaded) return { ok: false, issues: loaded.issues };
      return this.#swap(loaded, loaded.revision);
    });
    this.#reloads = run.then(() => {}, () => {});
    return run;
  }

  #loader(): LoadWorker {
    return this.#worker ??= new LoadWorker(this.#workerOptions);
  }

  /** End the load worker, if one was started (a later reload starts it again). */
  close(): void {
    this.#worker?.close();
    this.#worker = undefined;
  }

  #swap(loaded: LoadedPolicy, revision = loaded.policy.revision): UpdateResult {
    const generation = this.#current.generation + 1;
    const snapshot = snapshotOf(this.#current.name, loaded, generation, revision);
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

  /**
   * True when once-scoped rule `ruleKey` of the policy in force already allowed its one
   * request here. Keyed by the rule's lease too, so a new once grant under the same key is
   * fresh.
   */
  spent(ruleKey: string): boolean {
    return this.#spent.has(onceKey(this.#current, ruleKey));
  }

  /**
   * Mark once-scoped rule `ruleKey` spent (synchronously, before the next decision) and tell
   * the listeners (which ask the gateway to remove it with a commit).
   */
  spend(ruleKey: string): void {
    this.spendHeld(ruleKey)();
  }

  /**
   * Mark once-scoped rule `ruleKey` spent now; the listeners hear of it when the returned
   * function is called (the exchange that spent it ended), with the lease it was spent under.
   */
  spendHeld(ruleKey: string): () => void {
    const key = onceKey(this.#current, ruleKey);
    if (this.#spent.has(key)) return () => {};
    this.#spent.add(key);
    const expiresAt = this.#current.leases.get(ruleKey)?.expiresAt;
    let told = false;
    return () => {
      if (told) return;
      told = true;
      for (const listener of [...this.#spentListeners]) {
        try {
          listener(ruleKey, expiresAt);
        } catch {
          // The removal commit is best effort: the rule is spent here either way.
        }
      }
    };
  }

  /**
   * Call `listener` with each once-scoped rule key this proxy spends and the end of the lease
   * it was spent under; returns unsubscribe.
   */
  onSpent(listener: (ruleKey: string, expiresAt?: number) => void): () => void {
    this.#spentListeners.add(listener);
    return () => void this.#spentListeners.delete(listener);
  }

  /** Call `listener` after every successful swap; returns the unsubscribe function. */
  subscribe(listener: (snapshot: PolicySnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }
}

function onceKey(snapshot: PolicySnapshot, ruleKey: string): string {
  return `${ruleKey}@${snapshot.leases.get(ruleKey)?.expiresAt ?? "-"}`;
}
