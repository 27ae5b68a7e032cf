/**
 * How a Windows origin (IIS over NTFS) reads a canonical path, for deny rules: it drops a
 * segment's trailing dots and spaces (`/admin./x` and `/admin%20/x` are `/admin/x`), reads a
 * stream suffix as the file or folder itself (`/admin::$INDEX_ALLOCATION/x`, `/a.php::$DATA`),
 * and finds a file by its 8.3 short name (`/ADMINI~1/x` can be `/administrator/x`). A deny fires
 * on that reading too; a short name could be any name sharing its start, so it fires every deny
 * of the method. Allows stay exact (such spellings only narrow them), so no rule needs to know
 * which kind of origin it guards.
 *
 * @module
 */

/** A stream of a file or folder: `name::$DATA`, `name:$I30:$INDEX_ALLOCATION`, `name:s:$DATA`. */
const STREAM = /:[^:/]*:\$[a-z_0-9]+$/i;
/** What Windows drops from the end of a segment. */
const TRAILING = /(?:\.|%20)+$/;
/** What a Windows reading changes: a segment ending in a dot or space, or a `:`. */
const WINDOWS_SPELLING = /(?:\.|%20)(?:\/|$)|:/;
/** An 8.3 short name: up to six characters of the long name, `~`, a number, an extension. */
const SHORT_NAME = /^[^/~.]{1,6}~\d{1,6}(?:\.[^/.]{0,3})?$/;

/**
 * The path as a Windows origin reads it (runs of `/` as one), or undefined when that is the
 * path itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { windowsReading } from "./_windows_path.ts";
 * assert.equal(windowsReading("/admin.%20./x"), "/admin/x");
 * assert.equal(windowsReading("/admin::$index_allocation/x"), "/admin/x");
 * assert.equal(windowsReading("/a/b.txt"), undefined);
 * ```
 */
export function windowsReading(path: string): string | undefined {
  if (!WINDOWS_SPELLING.test(path)) return undefined;
  const read = path.split("/").map(windowsSegment).join("/").replace(/\/{2,}/g, "/");
  return read === path ? undefined : read;
}

/**
 * Whether a segment of the path is an 8.3 short name (`ADMINI~1`, `WEB~1.CON`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { holdsShortName } from "./_windows_path.ts";
 * assert.ok(holdsShortName("/admini~1/x") && holdsShortName("/web~12.con"));
 * assert.ok(!holdsShortName("/~alice/x") && !holdsShortName("/v1~beta/x"));
 * ```
 */
export function holdsShortName(path: string): boolean {
  return path.includes("~") && path.split("/").some((s) => SHORT_NAME.test(windowsSegment(s)));
}

function windowsSegment(segment: string): string {
  return segment.replace(STREAM, "").replace(TRAILING, "");
}
