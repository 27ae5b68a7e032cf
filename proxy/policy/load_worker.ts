/**
 * One long-lived worker per proxy that validates, hashes and plans large policies off the
 * request path (`_load_worker.ts`).
 *
 * @module
 */

import { encodeInSlices } from "./_text_bytes.ts";
import type { PolicyPlan } from "./policy_plan.ts";
import type { RuleLease } from "./rule_leases.ts";
import type { PolicyIssue } from "./types.ts";

/**
 * What a load asks for: the policy text, its file name, and the pushed JSON document if any.
 * Texts travel as UTF-8 slices (`encodeInSlices`), moved to the worker, not copied.
 */
export interface LoadRequest {
  /** Matches the reply to its request. */
  id: number;
  /** The YAML text (the source kept, read for lease comments, parsed when `json` fails). */
  text: Uint8Array<ArrayBuffer>[];
  /** Names the text in issues. */
  file: string;
  /** The same policy as a JSON document (a gateway's push), validated instead of the text. */
  json?: Uint8Array<ArrayBuffer>[];
}

/** A valid policy in a compact form: flat strings and typed arrays, cheap to move. */
export interface LoadAnswer {
  /** `policyHash()` of the policy. */
  hash: string;
  /** Accepted input worth a warning, in file order. */
  warnings?: PolicyIssue[];
  /** The policy without `network_policies`, as JSON. */
  head: string;
  /**
   * Every rule's JSON as UTF-8, in the policy's order, one after the other: moved, not copied,
   * and decoded a rule at a time when a request first reaches it.
   */
  rules: Uint8Array<ArrayBuffer>;
  /** Where rule `i` starts and ends in `rules` (bytes): `offsets[i]`, `offsets[i + 1]`. */
  offsets: Int32Array<ArrayBuffer>;
  /** The grant index (`planPolicy`). */
  plan: PolicyPlan;
  /** Rule key → lease, from the text's lease comments. */
  leases: Map<string, RuleLease>;
}

/** The worker's reply to one {@linkcode LoadRequest}. */
export type LoadReply = { id: number; answer: LoadAnswer } | { id: number; issues: PolicyIssue[] };

/** Options of {@linkcode LoadWorker}. */
export interface LoadWorkerOptions {
  /** The worker module (tests give a crashing one); defaults to `_load_worker.ts`. */
  url?: string | URL;
}

interface Pending {
  resolve: (reply: LoadAnswer | { issues: PolicyIssue[] }) => void;
  reject: (error: Error) => void;
}

/**
 * A load worker started on the first `load()` and kept for the next ones, so a reload pays
 * neither a worker's start (tens of milliseconds of this thread) nor its module loading. A
 * worker that fails rejects its loads and is dropped; the next `load()` starts a fresh one.
 * `close()` ends it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LoadWorker } from "./load_worker.ts";
 * using worker = new LoadWorker();
 * const reply = await worker.load("version: 1\nrevision: 5\n", "p.yaml");
 * assert("hash" in reply);
 * assert.equal(JSON.parse(reply.head).revision, 5);
 * ```
 */
export class LoadWorker {
  #url: string | URL;
  #worker?: Worker;
  #pending = new Map<number, Pending>();
  #next = 0;
  // Requests are posted in the order they were asked for, although each is encoded over turns.
  #posting: Promise<void> = Promise.resolve();

  /** A load worker; none runs until the first `load()`. */
  constructor(options: LoadWorkerOptions = {}) {
    this.#url = options.url ?? new URL("./_load_worker.ts", import.meta.url);
  }

  /**
   * Validate, hash and plan `text` (or `json`, when given and clean) on the worker. The texts
   * are encoded a slice per turn of the event loop and moved to the worker, never copied in one
   * go on this thread.
   *
   * @throws {Error} when the worker fails or is closed before it answers.
   */
  load(
    text: string,
    file: string,
    json?: string,
  ): Promise<LoadAnswer | { issues: PolicyIssue[] }> {
    const worker = this.#worker ??= this.#start();
    const id = ++this.#next;
    const reply = new Promise<LoadAnswer | { issues: PolicyIssue[] }>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    this.#posting = this.#posting.then(async () => {
      const request: LoadRequest = { id, text: await encodeInSlices(text), file };
      if (json !== undefined) request.json = await encodeInSlices(json);
      // Failed or closed meanwhile: the load was rejected, and a fresh worker never had it.
      if (this.#worker !== worker || !this.#pending.has(id)) return;
      const slices = [...request.text, ...request.json ?? []];
      worker.postMessage(request, slices.map((slice) => slice.buffer));
    }).catch((error) => this.#fail(error instanceof Error ? error : new Error(String(error))));
    return reply;
  }

  /**
   * Start the worker now, if it is not running: its start blocks this thread for tens of
   * milliseconds, which a proxy pays at start-up rather than in its first reload.
   */
  start(): void {
    this.#worker ??= this.#start();
  }

  /** End the worker; loads still waiting fail. */
  close(): void {
    this.#fail(new Error("Policy load worker closed"));
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #start(): Worker {
    const worker = new Worker(this.#url, { type: "module" });
    worker.onmessage = (event: MessageEvent<LoadReply>) => {
      const reply = event.data;
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      pending?.resolve("answer" in reply ? reply.answer : { issues: reply.issues });
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#fail(new Error(`Policy load worker failed: ${event.message}`));
    };
    worker.onmessageerror = () =>
      this.#fail(new Error("Policy load worker sent an unreadable reply"));
    return worker;
  }

  #fail(error: Error): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const { reject } of pending) reject(error);
  }
}
