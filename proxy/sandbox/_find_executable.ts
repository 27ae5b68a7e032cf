/**
 * Whether a command exists before the sandbox is built for it.
 *
 * @module
 */

import { delimiter, join, resolve } from "node:path";
import { type FilesystemRules, reaches } from "./filesystem_rules.ts";
import { hiddenByPrivateTmp, type TmpPath } from "./private_tmp.ts";

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
 * // In the host's /tmp, which a sandbox's own /tmp does not show.
 * const tmp = await Deno.realPath(await Deno.makeTempDir({ dir: "/tmp" }));
 * await Deno.writeTextFile(`${tmp}/tool`, "#!/bin/sh\n", { mode: 0o755 });
 * const inTmp = { path: tmp, innerPath: tmp, cwd: "/", shownTmp: [] };
 * const open = { ...rules, readWrite: ["/tmp"] };
 * assert.match(commandOutside("tool", inTmp, open)!, /in the host's \/tmp, which the sandbox's/);
 * assert.equal(commandOutside("tool", { ...inTmp, shownTmp: undefined }, open), undefined);
 * await Deno.remove(tmp, { recursive: true });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function commandOutside(
  name: string,
  where: {
    path: string | undefined;
    innerPath: string | undefined;
    cwd: string;
    /** What the sandbox's own /tmp shows of the host's, when it has one (`privateTmp()`). */
    shownTmp?: TmpPath[];
  },
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
  if (!reaches(rules, real)) {
    return `Command "${name}" is ${real}, which the policy's filesystem_policy does not list ` +
      `(add it, or its folder, to read_only)`;
  }
  if (where.shownTmp && hiddenByPrivateTmp(real, where.shownTmp)) {
    return `Command "${name}" is ${real}, in the host's /tmp, which the sandbox's own /tmp ` +
      `does not show (add it, or its folder, to the filesystem_policy's read_only)`;
  }
  return undefined;
}
