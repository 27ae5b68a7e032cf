/**
 * What the body scanners share: their interface, and how a field name reads as `_method`.
 *
 * @module
 */

/**
 * A scanner over one request body: each call gets the next bytes in order and returns the
 * methods named by `_method` fields that ended in them, or a one-line problem when the body
 * holds a `_method` field the proxy cannot read as one method (the request is then refused).
 */
export interface BodyScanner {
  /** Scan the next bytes of the body. */
  push(bytes: Uint8Array): readonly string[] | string;
  /** The body ended: the field still open ends here. */
  end(): readonly string[] | string;
}

/** Returned when nothing was found: no array is made per piece of an upload. */
export const NONE: readonly string[] = Object.freeze([]);

/** The longest `_method` value read; longer is refused (no method is that long). */
export const MAX_METHOD_VALUE = 64;

/**
 * Whether a decoded field name is one a parser reads as `_method`: PHP drops leading spaces,
 * ends the name at a NUL and reads `.` or a space as `_`; Rack drops leading and trailing
 * brackets (`[_method]`); letter case is ignored (a wider net costs nothing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isMethodKey } from "./_form_fields.ts";
 * assert.ok(isMethodKey("_method") && isMethodKey(" .Method") && isMethodKey("[_method]"));
 * assert.ok(isMethodKey("_method\0junk"));
 * assert.ok(!isMethodKey("_method[]") && !isMethodKey("x_method"));
 * ```
 */
export function isMethodKey(name: string): boolean {
  const nul = name.indexOf("\0");
  const core = (nul < 0 ? name : name.slice(0, nul)).replace(/^[ [\]]+/, "").replace(/\]+$/, "");
  return core.length === 7 && "_. ".includes(core[0]!) && core.slice(1).toLowerCase() === "method";
}
