/**
 * Whether a command exists before the sandbox is built for it.
 *
 * @module
 */

import { delimiter, join, resolve } from "node:path";

/** The path `name` runs from, as `execvp` would find it; undefined when there is none. */
export function findExecutable(
  name: string,
  path: string | undefined,
  cwd: string,
): string | undefined {
  const candidates = name.includes("/")
    ? [resolve(cwd, name)]
    : (path ?? "/usr/local/bin:/usr/bin:/bin").split(delimiter).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && (info.mode ?? 0o111) & 0o111) return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined;
}
