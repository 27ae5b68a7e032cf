/**
 * Globs over `/`-separated paths (request paths, binary paths) and over plain strings (query
 * values). Compiled once into a predicate; only `*` and `**` are special.
 *
 * @module
 */

/** A compiled glob. */
export type GlobMatcher = (text: string) => boolean;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Compile a path glob: `*` matches within one segment, `**` across `/` (a whole `/**\/`
 * segment also matches a single `/`). The pattern `**` alone matches everything. A pattern
 * without wildcards is compared exactly.
 *
 * @example
 * ```ts
 * import { compilePathGlob } from "./glob.ts";
 * const m = compilePathGlob("/repos/*\/issues/**");
 * console.assert(m("/repos/o/issues/1/comments") && !m("/repos/o/r/issues/1"));
 * ```
 */
export function compilePathGlob(pattern: string): GlobMatcher {
  if (pattern === "**") return () => true;
  if (!pattern.includes("*")) return (text) => text === pattern;
  let source = "";
  let i = 0;
  while (i < pattern.length) {
    if (pattern.startsWith("/**/", i)) {
      source += "(?:/|/.*/)";
      i += 4;
    } else if (pattern.startsWith("**", i)) {
      source += ".*";
      i += 2;
    } else if (pattern[i] === "*") {
      source += "[^/]*";
      i += 1;
    } else {
      const next = pattern.indexOf("*", i);
      const end = next === -1 ? pattern.length : next;
      // Stop before a `/` that opens a `/**/` segment so that case is seen above.
      const seg = pattern.slice(i, end).endsWith("/") && pattern.startsWith("**/", end)
        ? end - 1
        : end;
      source += escapeRegExp(pattern.slice(i, seg));
      i = seg;
    }
  }
  const re = new RegExp(`^${source}$`, "s");
  return (text) => re.test(text);
}

/**
 * Compile a glob over a plain string (query values): `*` and `**` match any characters.
 *
 * @example
 * ```ts
 * import { compileStringGlob } from "./glob.ts";
 * console.assert(compileStringGlob("git-*")("git-upload-pack"));
 * ```
 */
export function compileStringGlob(pattern: string): GlobMatcher {
  if (!pattern.includes("*")) return (text) => text === pattern;
  const source = pattern.split(/\*+/).map(escapeRegExp).join(".*");
  const re = new RegExp(`^${source}$`, "s");
  return (text) => re.test(text);
}
