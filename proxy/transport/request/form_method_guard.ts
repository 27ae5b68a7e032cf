/**
 * The policy's watch over a request body that may carry a method override (`_method=DELETE` in
 * a POST's form): every piece is scanned before it is forwarded, and a method found is decided
 * as an override header is (the request's own method and every override allowed, none denied;
 * a once rule that alone allows one is spent). A method the policy does not allow stops the
 * exchange before the piece that completes the body leaves, so the origin, which acts on a form
 * only once it is whole, never acts on it.
 *
 * @module
 */

import type { Decision } from "../../policy/mod.ts";
import {
  type ClientConnection,
  isRefusal,
  type L7Question,
  type Refusal,
  refusal,
  TOO_MANY_BODIES,
} from "../connection/mod.ts";
import {
  type BodyScanner,
  BudgetSpent,
  FieldNames,
  formMethodScanner,
  type ScanResult,
} from "../../body_scan/mod.ts";
import type { RequestHead } from "../../wire/mod.ts";
import { values } from "../../wire/mod.ts";
import type { InflateJob } from "../../body_scan/mod.ts";

/** Why a body was stopped: the policy's denial (the structured 403) or a refusal (400). */
export type BodyStop = { kind: "deny"; decision: Decision } | Refusal;

/** Thrown through a forwarding path when a guard stopped the body; the caller renders `stop`. */
export class BodyStoppedError extends Error {
  /** The error's name. */
  override name = "BodyStoppedError";
  /** What to answer when no response has started. */
  readonly stop: BodyStop;
  /** An error that carries `stop`. */
  constructor(stop: BodyStop) {
    super(stop.kind === "deny" ? stop.decision.reason : stop.detail);
    this.stop = stop;
  }
}

/**
 * Decides the methods a body names, as overrides of the request (see `FormMethodGuard`), or
 * refuses the body.
 */
export type OverrideDecider = (methods: string[]) => Promise<Decision | Refusal>;

/**
 * Scans one request body and decides the methods it names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FormMethodGuard } from "./form_method_guard.ts";
 * import { formMethodScanner } from "../../body_scan/mod.ts";
 * const scanner = formMethodScanner("POST", [])!;
 * const asked: string[][] = [];
 * const guard = new FormMethodGuard(scanner, (methods) => {
 *   asked.push(methods);
 *   return Promise.resolve({ verdict: "deny", layer: "l7", reason: "DELETE denied" } as never);
 * });
 * assert.equal(guard.check(new TextEncoder().encode("a=1&_method=DEL"), false), undefined);
 * const stop = await guard.check(new TextEncoder().encode("ETE"), true);
 * assert.equal(stop?.kind, "deny");
 * assert.deepEqual(asked, [["DELETE"]]);
 * ```
 */
export class FormMethodGuard {
  #scanner: BodyScanner<BudgetSpent>;
  #decide: OverrideDecider;
  #named: string[] = [];
  /** Set once the body was stopped; every later check answers it. */
  stopped: BodyStop | undefined;

  /** A guard that reads the body with `scanner` and asks `decide` about what it finds. */
  constructor(scanner: BodyScanner<BudgetSpent>, decide: OverrideDecider) {
    this.#scanner = scanner;
    this.#decide = decide;
  }

  /** Every method the body named so far (allowed: the request is still going). */
  get named(): readonly string[] {
    return this.#named;
  }

  /**
   * Scan `piece` (`last`: the body ends with it) before it is forwarded.
   *
   * @returns Undefined when it may go now; else a promise of undefined (it may go) or of the
   *   stop (it must not, nor anything after it).
   */
  check(piece: Uint8Array, last: boolean): Promise<BodyStop | undefined> | undefined {
    if (this.stopped !== undefined) return Promise.resolve(this.stopped);
    const found = this.#scanner.push(piece);
    if (typeof found === "string" || found instanceof BudgetSpent || !last) {
      return this.#judge(found);
    }
    const tail = this.#scanner.end();
    // A compressed body is inflated off the event loop: the last piece waits for it.
    if (tail instanceof Promise) return tail.then((end) => this.#judge(joined(found, end)));
    return this.#judge(joined(found, tail));
  }

  #judge(found: ScanResult<BudgetSpent>): Promise<BodyStop | undefined> | undefined {
    // A spent budget is no fault of the body: 503, to retry; a problem refuses the body.
    if (found instanceof BudgetSpent) {
      this.stopped = refusal(503, TOO_MANY_BODIES, found.detail);
      return Promise.resolve(this.stopped);
    }
    if (typeof found === "string") {
      this.stopped = refusal(400, "bad_request", found);
      return Promise.resolve(this.stopped);
    }
    const fresh = found.filter((method) => !this.#named.includes(method));
    if (fresh.length === 0) return undefined;
    this.#named.push(...fresh);
    return this.#decide([...this.#named]).then((decision) => {
      if (isRefusal(decision)) return this.stopped = decision;
      if (decision.verdict !== "deny") return undefined;
      this.stopped = { kind: "deny", decision };
      return this.stopped;
    }, () => {
      this.stopped = refusal(500, "internal_error", "The request body could not be decided");
      return this.stopped;
    });
  }
}

/** What a piece found, then what the body's end found. */
function joined(found: readonly string[], tail: ScanResult<BudgetSpent>) {
  return typeof tail === "string" || tail instanceof BudgetSpent || found.length === 0
    ? tail
    : [...found, ...tail];
}

/** The request a guard watches the body of, and its allow. */
export interface GuardedRequest {
  /** The request's host. */
  host: string;
  /** The request's port. */
  port: number;
  /** What the policy is asked about the request. */
  question: L7Question;
  /** The scheme the request came over. */
  scheme: "http" | "https";
  /** The allow: the query keys its rules judge (`Decision.queryKeys`) no body field may be. */
  allowed: Decision;
}

/**
 * The guard for an allowed request's body, or undefined when no origin reads a method or a
 * judged query key from it (see `formMethodScanner()`), or when its body was read and judged
 * whole already (GraphQL, MCP).
 * A method found is decided with the request's own question (its override headers included),
 * through `client.again()`: the once rules the request itself spent still count for it. A
 * method whose rules judge query keys the body was not read for refuses the body (its fields
 * before the method were not looked at for them).
 */
export function formMethodGuard(
  client: ClientConnection,
  head: RequestHead,
  asked: GuardedRequest,
): FormMethodGuard | undefined {
  const { host, port, question, scheme } = asked;
  const keys = asked.allowed.queryKeys ?? [];
  if (question.graphql !== undefined || question.mcp !== undefined) return undefined;
  if (question.jsonRpc !== undefined) return undefined;
  const worker = client.ctx.inflateWorker;
  const scanner = formMethodScanner(head.method, head.headers, {
    inflate: worker && ((job: InflateJob) => worker.scan(job)),
    hold: (bytes: number) => client.body.tryGrow(bytes),
  }, keys.length > 0 ? new FieldNames(keys) : undefined);
  if (scanner === undefined) return undefined;
  const own = question.methodOverrides ?? [];
  return new FormMethodGuard(scanner, async (methods) => {
    const l7 = { ...question, methodOverrides: [...own, ...methods] };
    const decision = await client.again().decide(host, port, l7, scheme);
    const unread = decision.queryKeys?.some((key) => !keys.includes(key));
    return unread ? refusal(400, "bad_request", FieldNames.PROBLEM) : decision;
  });
}

/**
 * A body sink that hands each piece to `forward` once `guard` let it go, and throws
 * {@linkcode BodyStoppedError} once it stopped the body (nothing more is forwarded).
 *
 * @param length The body bytes still to come (the piece that completes them is the last).
 */
export function guardedSink(
  guard: FormMethodGuard,
  length: number,
  forward: (piece: Uint8Array) => Promise<void> | undefined,
): (piece: Uint8Array) => Promise<void> | undefined {
  let left = length;
  return (piece) => {
    left -= piece.byteLength;
    const waiting = guard.check(piece, left === 0);
    if (waiting === undefined) return forward(piece);
    return waiting.then((stop) => {
      if (stop !== undefined) throw new BodyStoppedError(stop);
      return forward(piece);
    });
  };
}

/**
 * `guard`'s check of one piece as a wait: undefined when the piece may go now, a promise that
 * rejects with {@linkcode BodyStoppedError} once the guard stopped the body.
 */
export function checkPiece(
  guard: FormMethodGuard,
  piece: Uint8Array,
  last: boolean,
): Promise<void> | undefined {
  return guard.check(piece, last)?.then((stop) => {
    if (stop !== undefined) throw new BodyStoppedError(stop);
  });
}

/**
 * Why an allowed request must be refused (400) for a cookie an origin reads as a query key its
 * rules judged (`Decision.queryKeys`), or undefined: PHP's `$_REQUEST` without a
 * `request_order` reads `Cookie: action=delete` over `?action=read`.
 */
export function cookieProblem(head: RequestHead, allowed: Decision): string | undefined {
  const keys = allowed.queryKeys;
  if (keys === undefined) return undefined;
  const names = new FieldNames(keys);
  if (!values(head.headers, "cookie").some((value) => names.judgesCookie(value))) return undefined;
  return "A cookie is named as a query parameter the policy judges on this request: send that " +
    "parameter in the URL only";
}
