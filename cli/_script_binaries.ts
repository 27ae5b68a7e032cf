/**
 * `policy validate` warnings for binaries the proxy can never see as written: a script (`#!`)
 * runs as its interpreter, so `/usr/bin/npm` reaches the proxy as `/usr/bin/node`.
 *
 * @module
 */

import { delimiter, isAbsolute, join } from "node:path";
import { type Policy, realBinaryPath } from "../proxy/policy/mod.ts";

/**
 * One warning line per literal binary path that is a script, naming the interpreter path to
 * list instead (`#!/usr/bin/env node` is looked up on `searchPath`; symlinks resolved).
 *
 * @param searchPath The `PATH` to find an `env`-named interpreter on.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scriptBinaryWarnings } from "./_script_binaries.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/npm`, "#!/usr/bin/env node\n");
 * const policy = {
 *   version: 1 as const,
 *   revision: 0,
 *   network_policies: {
 *     npm: {
 *       endpoints: [{ host: "registry.npmjs.org", port: 443 }],
 *       binaries: [{ path: `${dir}/npm` }],
 *     },
 *   },
 * };
 * const [warning] = await scriptBinaryWarnings(policy, "/usr/bin:/bin");
 * assert.match(warning ?? "", /npm is a script .*: the proxy sees its interpreter/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function scriptBinaryWarnings(policy: Policy, searchPath: string): Promise<string[]> {
  const paths = new Set(
    Object.values(policy.network_policies).flatMap((rule) =>
      (rule.binaries ?? []).map((b) => b.path)
    ),
  );
  const warnings: string[] = [];
  for (const path of [...paths].filter((p) => !p.includes("*")).sort()) {
    const interpreter = await shebang(path);
    if (interpreter === undefined) continue;
    const found = await interpreterPath(interpreter, searchPath);
    const advice = found === undefined
      ? "list the interpreter's own path"
      : `list ${realBinaryPath(found) ?? found}`;
    warnings.push(
      `binary ${path} is a script (#!${interpreter.join(" ")}): the proxy sees its ` +
        `interpreter, never the script; ${advice} (the 403's "binary" names it)`,
    );
  }
  return warnings;
}

/** The `#!` line's words, or undefined when the file is not a readable script. */
async function shebang(path: string): Promise<string[] | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch {
    return undefined;
  }
  try {
    const buffer = new Uint8Array(256);
    const n = await file.read(buffer);
    const text = new TextDecoder().decode(buffer.subarray(0, n ?? 0));
    if (!text.startsWith("#!")) return undefined;
    const words = text.slice(2).split("\n")[0]!.trim().split(/\s+/);
    return words[0] ? words : undefined;
  } catch {
    return undefined;
  } finally {
    file.close();
  }
}

/** The interpreter's path: the first word, or `env`'s program found on the search path. */
async function interpreterPath(words: string[], searchPath: string): Promise<string | undefined> {
  const [program, ...args] = words;
  if (!program?.endsWith("/env")) return program;
  const name = args.find((a) => !a.startsWith("-"));
  if (name === undefined) return undefined;
  if (isAbsolute(name)) return name;
  for (const dir of searchPath.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      if ((await Deno.stat(candidate)).isFile) return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}
