/**
 * Policy files of a policies directory: `NAME.yaml`, where NAME is checked before it touches a
 * path, read and loaded through the policy engine.
 *
 * @module
 */

import { join } from "node:path";
import { type LoadedPolicy, loadPolicyText } from "../../proxy/policy/mod.ts";
import { visibleText } from "../text/mod.ts";

const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** Files of the policies directory that are not sandbox policies (the org's own). */
const RESERVED_NAMES = new Set(["ceiling", "auto_approve"]);

/**
 * True when `name` is a safe policy name (letters, digits, `_`, `-`; at most 64) and not one
 * of the org's own files (`ceiling`, `auto_approve`), which no sandbox may load or read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPolicyName } from "./policy_files.ts";
 * assert(isPolicyName("team") && !isPolicyName("../x"));
 * ```
 */
export function isPolicyName(name: unknown): name is string {
  return typeof name === "string" && POLICY_NAME.test(name) && !RESERVED_NAMES.has(name);
}

/**
 * Path of policy `name` in `dir`.
 *
 * @throws {TypeError} when the name is not a safe policy name
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { policyFilePath } from "./policy_files.ts";
 * assert.equal(policyFilePath("/p", "team"), "/p/team.yaml");
 * ```
 */
export function policyFilePath(dir: string, name: string): string {
  if (!isPolicyName(name)) throw new TypeError(`Invalid policy name "${visibleText(name, 80)}"`);
  return join(dir, `${name}.yaml`);
}

/** A policy file's text and its loaded form. */
export interface PolicyFile {
  /** Policy name. */
  name: string;
  /** Path of the file. */
  path: string;
  /** The file's text. */
  text: string;
  /** Validated and compiled. */
  loaded: LoadedPolicy;
}

/**
 * Read and load policy `name`; undefined when the file does not exist. `load` may be a
 * `PolicyCache`'s, so that an unchanged file is not parsed again.
 *
 * @throws {Error} when the file does not validate
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readPolicyFile } from "./policy_files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const team = await readPolicyFile(dir, "team");
 * assert.equal(team?.loaded.policy.revision, 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readPolicyFile(
  dir: string,
  name: string,
  load: (text: string, file: string) => LoadedPolicy = loadPolicyText,
): Promise<PolicyFile | undefined> {
  const path = policyFilePath(dir, name);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  return { name, path, text, loaded: load(text, `${name}.yaml`) };
}

/**
 * Names of the policy files in `dir`, sorted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listPolicyNames } from "./policy_files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * await Deno.writeTextFile(`${dir}/notes.txt`, "");
 * assert.deepEqual(await listPolicyNames(dir), ["team"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listPolicyNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const name = entry.name.replace(/\.yaml$/, "");
    if (entry.isFile && entry.name.endsWith(".yaml") && isPolicyName(name)) names.push(name);
  }
  return names.sort();
}
