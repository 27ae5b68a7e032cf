/**
 * What the body scanners share: their interface, and how a field name reads as `_method`.
 *
 * @module
 */

import { KeyNames } from "../policy/mod.ts";

/**
 * What a scan stops with when the proxy's body budget has no room for the copy a compressed
 * body's scanner keeps: the body itself is fine, so it is answered 503 `too_many_bodies` (with
 * `Retry-After`), never refused as a bad body (400) as a problem string is.
 */
export class BudgetSpent {
  /** The one-line detail of the answer. */
  readonly detail =
    "The proxy holds as many request bodies as it may: retry, or send the body uncompressed";
}

/**
 * What scanning bytes found: the methods named (`NONE` for none), a one-line problem that
 * refuses the body, or, for a scanner holding a share of the body budget (`Spent`), that it
 * has no room.
 */
export type ScanResult<Spent = never> = readonly string[] | string | Spent;

/**
 * A scanner over one request body: each call gets the next bytes in order and returns the
 * methods named by `_method` fields that ended in them, or a one-line problem when the body
 * holds a `_method` field the proxy cannot read as one method (the request is then refused).
 * `Spent` is what it stops with when it holds body budget (see {@linkcode BudgetSpent}); a
 * scanner given no budget never stops so.
 */
export interface BodyScanner<Spent = never> {
  /** Scan the next bytes of the body. */
  push(bytes: Uint8Array): ScanResult<Spent>;
  /**
   * The body ended: the field still open ends here. A compressed body's scanner answers once
   * the body is inflated, later (see `_inflated_scan.ts`).
   */
  end(): ScanResult<Spent> | Promise<ScanResult<Spent>>;
}

/** Whether a scan stopped the body (a problem, or a spent budget) rather than found methods. */
export function isStop<Spent>(result: ScanResult<Spent>): result is string | Spent {
  return typeof result === "string" || !Array.isArray(result);
}

/** Returned when nothing was found: no array is made per piece of an upload. */
export const NONE: readonly string[] = Object.freeze([]);

/** The longest `_method` value read; longer is refused (no method is that long). */
export const MAX_METHOD_VALUE = 64;

/** The longest name read as `_method` (a deeper `_method[][]...` holds no method string). */
export const MAX_METHOD_KEY = 24;

/** What may follow `_method`: Rack's trailing brackets, qs's and multer's array indexes. */
const KEY_SUFFIX = /^(?:\[\d{0,2}\]|\])*$/;

/**
 * Whether a decoded field name is one a parser reads as `_method`: PHP drops leading spaces,
 * ends the name at a NUL and reads `.` or a space as `_`; Rack drops leading and trailing
 * brackets (`[_method]`); Express's qs and multer read `_method[]` and `_method[0]` as an array,
 * whose first element method-override takes as the method; letter case is ignored (a wider net
 * costs nothing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isMethodKey } from "./_form_fields.ts";
 * assert.ok(isMethodKey("_method") && isMethodKey(" .Method") && isMethodKey("[_method]"));
 * assert.ok(isMethodKey("_method\0junk") && isMethodKey("_method[]") && isMethodKey("_method[0]"));
 * assert.ok(!isMethodKey("_method[a]") && !isMethodKey("x_method"));
 * ```
 */
export function isMethodKey(name: string): boolean {
  const nul = name.indexOf("\0");
  const core = (nul < 0 ? name : name.slice(0, nul)).replace(/^[ [\]]+/, "");
  return core.length <= MAX_METHOD_KEY && core.length >= 7 && "_. ".includes(core[0]!) &&
    core.slice(1, 7).toLowerCase() === "method" && KEY_SUFFIX.test(core.slice(7));
}

/**
 * Whether a name read so far (no NUL, leading spaces and brackets dropped) may still become
 * one {@linkcode isMethodKey} accepts.
 */
export function couldBeMethodKey(key: string): boolean {
  if (key.length > MAX_METHOD_KEY || !"_.".includes(key[0]!)) return false;
  const rest = key.slice(1, 7).toLowerCase();
  return "method".startsWith(rest) && KEY_SUFFIX.test(key.slice(7).replace(/\[\d{0,2}$/, ""));
}

/**
 * The query keys a policy judges on a request, as a body scanner looks for them among the
 * body's field names: frameworks merge a form's or a JSON body's fields into the parameters
 * they read the query as (Rails' and Sinatra's `params`, Laravel's `input()`, PHP's
 * `$_REQUEST`, Express's `req.param`), so a body field `force=true` reads as `?force=true` and
 * would pass a rule that judged only the URL. A field read as one of them refuses the body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FieldNames } from "./_form_fields.ts";
 * const names = new FieldNames(["force"]);
 * assert.ok(names.judges("force") && names.judges(" FORCE[]") && names.judges("force\0x"));
 * assert.ok(!names.judges("forced") && !names.judges("_method"));
 * assert.ok(names.judges("force[" + "x".repeat(200), true));
 * ```
 */
export class FieldNames {
  /** The problem a body holding such a field is refused with (400). */
  static readonly PROBLEM: string =
    "The body holds a field origins read as a query parameter the " +
    "policy judges on this request: send that parameter in the URL only";

  #keys: ReadonlySet<string>;
  #names: KeyNames;
  /** The longest name a scanner keeps; longer ones are judged on what was kept. */
  readonly limit: number;

  /**
   * The names of the judged query keys.
   *
   * @param keys The query keys judged (any case).
   */
  constructor(keys: readonly string[]) {
    this.#keys = new Set(keys.map((key) => key.toLowerCase()));
    this.#names = new KeyNames(keys);
    this.limit = Math.max(0, ...keys.map((key) => key.length)) + 32;
  }

  /** The keys, for a worker that scans a compressed body. */
  get keys(): string[] {
    return [...this.#keys];
  }

  /**
   * Whether a `Cookie` field value names a cookie read as a judged key: PHP's `$_REQUEST`
   * without a `request_order` (no php.ini, as in the official container images) reads cookies
   * over the query and the form, names decoded and read as `$_GET`'s are.
   */
  judgesCookie(value: string): boolean {
    return value.split(/[;,]/).some((pair) => {
      const name = pair.split("=", 1)[0]!.trim();
      return this.judges(name) || this.judges(decodedOrNot(name));
    });
  }

  /**
   * Whether a decoded field name is read as a judged key by some origin (`KeyNames`: letter
   * case, PHP's, Rack's and qs's brackets). `truncated`: only the
   * first {@linkcode FieldNames.limit} characters were kept, so the name up to its first
   * bracket, which Rack and PHP read as the key, is judged too.
   */
  judges(name: string, truncated = false): boolean {
    if (this.#names.readAs(name) !== undefined) return true;
    if (!truncated) return false;
    const open = name.search(/[[\0]/);
    return open > 0 && this.judges(name.slice(0, open));
  }
}

/** A cookie name `%XX`-decoded (`+` as a space) as PHP decodes it, or as written. */
function decodedOrNot(name: string): string {
  try {
    return decodeURIComponent(name.replaceAll("+", " "));
  } catch {
    return name;
  }
}
