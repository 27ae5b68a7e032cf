/**
 * Whether a command exists before the sandbox is built for it.
 *
 * @module
 */

import { delimiter, join, resolve } from "node:path";
import { type FilesystemRules, reaches } from "./filesystem_rules.ts";

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

/**
 * Why `name` cannot run under Landlock's `rules`, in one line, or undefined when it can (or is
 * not found): looked up on the command's `innerPath` (cut to what `rules` reach), else on the
 * runner's `path`, it is a file no listed path reaches once its links are followed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commandOutside } from "./_find_executable.ts";
 *
 * const dir = await Deno.realPath(await Deno.makeTempDir());
 * await Deno.writeTextFile(`${dir}/tool`, "#!/bin/sh\n", { mode: 0o755 });
 * const rules = { readOnly: ["/usr"], readWrite: [], hard: false };
 * const where = { path: dir, innerPath: "/usr/bin", cwd: "/" };
 * assert.match(commandOutside("tool", where, rules)!, /^Command "tool" is .*\/tool, which the/);
 * assert.equal(commandOutside("tool", where, { ...rules, readWrite: [dir] }), undefined);
 * assert.equal(commandOutside("no-such-tool", where, rules), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function commandOutside(
  name: string,
  where: { path: string | undefined; innerPath: string | undefined; cwd: string },
  rules: FilesystemRules,
): string | undefined {
  const found = findExecutable(name, where.innerPath, where.cwd) ??
    findExecutable(name, where.path, where.cwd);
  if (found === undefined) return undefined;
  let real = found;
  try {
    real = Deno.realPathSync(found);
  } catch {
    // A link that resolves nowhere: execvp will say so.
  }
  if (reaches(rules, real)) return undefined;
  return `Command "${name}" is ${real}, which the policy's filesystem_policy does not list ` +
    `(add it, or its folder, to read_only)`;
}
