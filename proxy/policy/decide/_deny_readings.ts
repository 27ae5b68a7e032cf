/**
 * The readings of a request path that deny rules judge besides the path itself: how a Windows
 * origin reads it (`_windows_path.ts`), the route a PHP front controller runs for it
 * (`/index.php/admin/x` is `/admin/x` to Symfony, Laravel and WordPress:
 * tests/hostile_front_controller_test.ts), and the path without its trailing `/`. Express (its
 * default, non-strict routing), Rails, ASP.NET Core, Laravel and Spring before 6 route
 * `/items/secret/` to `/items/secret`, so a deny on the one must fire on the other; a real
 * Express origin deleted `/items/secret/` past a deny on `DELETE /items/secret`
 * (tests/hostile_trailing_slash_test.ts). Allows stay exact: such spellings only narrow them.
 *
 * @module
 */

import { holdsShortName, windowsReading } from "./_windows_path.ts";

/**
 * The paths a deny rule is matched against (lower-case canonical paths in, as `decide()` has
 * them); `true` alone when one holds an 8.3 short name, which could be any path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denyReadings } from "./_deny_readings.ts";
 * assert.deepEqual(denyReadings(["/items/secret/"]), ["/items/secret/", "/items/secret"]);
 * assert.deepEqual(denyReadings(["/admin./x/"]), ["/admin./x/", "/admin/x/", "/admin./x", "/admin/x"]);
 * assert.deepEqual(denyReadings(["/index.php/admin/x"]), ["/index.php/admin/x", "/admin/x"]);
 * assert.deepEqual(denyReadings(["/a/b"]), ["/a/b"]);
 * assert.deepEqual(denyReadings(["/"]), ["/"]);
 * assert.deepEqual(denyReadings(["/admini~1/x"]), [true]);
 * ```
 */
export function denyReadings(paths: string[]): (string | true)[] {
  // The usual request path has no other reading: answered without the lists built below
  // (decide() asks on every request that meets a deny rule).
  if (paths.length === 1 && !hasOtherReading(paths[0]!)) return paths;
  if (paths.some(holdsShortName)) return [true];
  const windows = paths.map(windowsReading).filter((p) => p !== undefined);
  const spelled = windows.length === 0 ? paths : [...paths, ...windows];
  const routed = spelled.map(frontControllerRoute).filter((p) => p !== undefined);
  const read = routed.length === 0 ? spelled : [...spelled, ...routed];
  const bare = read.filter((p) => p.length > 1 && p.endsWith("/")).map(withoutTrailingSlash);
  return bare.length === 0 ? read : [...read, ...bare];
}

/** A `.php` segment that more path follows (PHP runs it with the rest as `PATH_INFO`). */
const SCRIPT_SEGMENT = /\/[^/]*\.php(?=\/)/;

/** Whether the general reading below would add anything to `path` (every test it makes). */
function hasOtherReading(path: string): boolean {
  return path.includes("~") || (path.length > 1 && path.endsWith("/")) ||
    SCRIPT_SEGMENT.test(path) || windowsReading(path) !== undefined;
}

/**
 * The route a PHP front controller runs for `path`, or undefined: `/index.php/admin/x` is
 * `index.php` with `PATH_INFO` `/admin/x`, and Symfony, Laravel and WordPress route on it as
 * they route `/admin/x` (the same script behind a rewrite).
 */
function frontControllerRoute(path: string): string | undefined {
  return SCRIPT_SEGMENT.test(path) ? path.replace(SCRIPT_SEGMENT, "") : undefined;
}

/** `/items/secret/` as routers that ignore a trailing slash read it (`/` stays itself). */
function withoutTrailingSlash(path: string): string {
  return path.replace(/\/+$/, "") || "/";
}
