/**
 * One long-lived worker per proxy that validates, hashes and plans large policies off the
 * request path (`_load_worker.ts`).
 *
 * @module
 */

import { RequestWorker } from "../../worker/mod.ts";
import { encodeInSlices } from "./_text_bytes.ts";
import type { PolicyPlan } from "../compile/mod.ts";
import type { RuleLease } from "../model/mod.ts";
import type { PolicyIssue } from "../model/mod.ts";

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

/** What {@linkcode LoadWorker.load} is given besides the text. */
export interface LoadSource {
  /** The same policy as a JSON document (a gateway's push): validated instead of the text. */
  json?: string;
  /**
   * The text as UTF-8, in slices (e.g. the policy file's bytes as read): moved to the worker
   * as they are, so the text is never read whole on this thread. They must decode to `text`.
   */
  utf8?: Uint8Array<ArrayBuffer>[];
}

/** Options of {@linkcode LoadWorker}. */
export interface LoadWorkerOptions {
  /** The worker module (tests give a crashing one); defaults to `_load_worker.ts`. */
  url?: string | URL;
}

type Body<T> = T extends unknown ? Omit<T, "id"> : never;

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
  #worker: RequestWorker<Body<LoadRequest>, Body<LoadReply>>;
  // Requests are posted in the order they were asked for, although each is encoded over turns.
  #posting: Promise<unknown> = Promise.resolve();

  /** A load worker; none runs until the first `load()`. */
  constructor(options: LoadWorkerOptions = {}) {
    const url = options.url ?? new URL("./_load_worker.ts", import.meta.url);
    this.#worker = new RequestWorker({ url, name: "Policy load worker" });
  }

  /**
   * Validate, hash and plan `text` (or `source.json`, when given and clean) on the worker. The
   * texts are encoded a slice per turn of the event loop (or taken as `source.utf8` gives them)
   * and moved to the worker, never copied in one go on this thread.
   *
   * @throws {Error} when the worker fails or is closed before it answers.
   */
  async load(
    text: string,
    file: string,
    source: LoadSource = {},
  ): Promise<LoadAnswer | { issues: PolicyIssue[] }> {
    const { json, utf8 } = source;
    const posted = this.#posting.then(async () => {
      const request: Body<LoadRequest> = { text: utf8 ?? await encodeInSlices(text), file };
      if (json !== undefined) request.json = await encodeInSlices(json);
      const slices = [...request.text, ...request.json ?? []];
      return { reply: this.#worker.request(request, slices.map((slice) => slice.buffer)) };
    });
    this.#posting = posted.catch(() => {});
    // Wrapped: a bare promise returned from `then` would be waited for by the next request.
    const reply = await (await posted).reply;
    return "answer" in reply ? reply.answer : { issues: reply.issues };
  }

  /**
   * Start the worker now, if it is not running: its start blocks this thread for tens of
   * milliseconds, which a proxy pays at start-up rather than in its first reload.
   */
  start(): void {
    this.#worker.start();
  }

  /** End the worker; loads still waiting fail. */
  close(): void {
    this.#worker.close();
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
