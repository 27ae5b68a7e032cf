/**
 * `policy validate` warnings for binaries the proxy can never see as written: a script (`#!`)
 * runs as its interpreter, so `/usr/bin/npm` reaches the proxy as `/usr/bin/node`.
 *
 * @module
 */

import { delimiter, isAbsolute, join } from "node:path";
import { isNode, LineCounter, parseDocument } from "yaml";
import { type Policy, realBinaryPath } from "../proxy/policy/mod.ts";

/** A warning with the line and column of the binary path it is about. */
export interface ScriptBinaryWarning {
  line: number;
  col: number;
  message: string;
}

/**
 * One warning per literal binary path that is a script, naming the interpreter path to list
 * instead (`#!/usr/bin/env node` is looked up on `searchPath`; symlinks resolved), at the
 * path's first place in the policy's `text`.
 *
 * @param searchPath The `PATH` to find an `env`-named interpreter on.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scriptBinaryWarnings } from "./_script_binaries.ts";
 * import { parsePolicy } from "../proxy/policy/mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/npm`, "#!/usr/bin/env node\n");
 * const text = "version: 1\nnetwork_policies:\n  npm:\n" +
 *   "    endpoints: [{ host: registry.npmjs.org, port: 443 }]\n" +
 *   `    binaries:\n      - path: ${dir}/npm\n`;
 * const { policy } = parsePolicy(text, "p.yaml");
 * const [warning] = await scriptBinaryWarnings({ policy: policy!, text }, "/usr/bin:/bin");
 * assert.equal(warning?.line, 6);
 * assert.equal(warning?.col, 15);
 * assert.match(warning?.message ?? "", /npm is a script .*: the proxy sees its interpreter/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function scriptBinaryWarnings(
  loaded: { policy: Policy; text: string },
  searchPath: string,
): Promise<ScriptBinaryWarning[]> {
  const places = new Map<string, ValuePath>();
  for (const [key, rule] of Object.entries(loaded.policy.network_policies)) {
    (rule.binaries ?? []).forEach((b, i) => {
      if (!places.has(b.path)) places.set(b.path, ["network_policies", key, "binaries", i, "path"]);
    });
  }
  const warnings: ScriptBinaryWarning[] = [];
  for (const [path, at] of [...places].filter(([p]) => !p.includes("*")).sort()) {
    const interpreter = await shebang(path);
    if (interpreter === undefined) continue;
    const found = await interpreterPath(interpreter, searchPath);
    const advice = found === undefined
      ? "list the interpreter's own path"
      : `list ${realBinaryPath(found) ?? found}`;
    const message = `binary ${path} is a script (#!${interpreter.join(" ")}): the proxy sees ` +
      `its interpreter, never the script; ${advice} (the 403's "binary" names it)`;
    warnings.push({ ...positionOf(loaded.text, at), message });
  }
  return warnings;
}

type ValuePath = (string | number)[];

/** Where the value at `path` starts in `text` (1-based), or 1:1 when it cannot be found. */
export function positionOf(text: string, path: ValuePath): { line: number; col: number } {
  const lineCounter = new LineCounter();
  const node = parseDocument(text, { lineCounter }).getIn(path, true);
  const start = isNode(node) ? node.range?.[0] : undefined;
  return start === undefined ? { line: 1, col: 1 } : lineCounter.linePos(start);
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
