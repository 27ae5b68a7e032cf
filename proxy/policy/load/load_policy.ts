/**
 * Load a policy from a file or text: parse, validate, compile and hash in one step.
 *
 * @module
 */

import { posix } from "node:path";
import { type CompileOptions, compilePolicy } from "../compile/mod.ts";
import type { CompiledPolicy } from "../model/mod.ts";
import { parsePolicy } from "../yaml/mod.ts";
import { policyFromJson, type ValidatedRules } from "../validate/mod.ts";
import { policyHash } from "./policy_hash.ts";
import { canonicalRule } from "./_policy_canonical.ts";
import { PolicyValidationError } from "../validate/mod.ts";
import { parseRuleLeases, type RuleLease } from "../model/mod.ts";
import type { NetworkRule, Policy, PolicyIssue } from "../model/mod.ts";

/** A policy ready to enforce: its source, the validated model, the compiled form, the hash. */
export interface LoadedPolicy {
  /** The path or name it was loaded from. */
  file: string;
  /** The source text, comments included. */
  text: string;
  /** The validated model. */
  policy: Policy;
  /** The compiled form `decide()` takes (built on first read). */
  readonly compiled: CompiledPolicy;
  /** `policyHash(policy)`. */
  hash: string;
  /** Rule key → lease, for the rules whose lease comment makes them not durable. */
  leases?: ReadonlyMap<string, RuleLease>;
  /** Accepted input worth a warning (e.g. deprecated `tls: terminate`), in file order. */
  warnings?: PolicyIssue[];
}

/**
 * Load policy text; `file` names it in issues; `options.resolveBinary` (e.g.
 * {@linkcode realBinaryPath}) lets literal binary paths match their symlink targets.
 *
 * @throws {PolicyValidationError} with every issue when the text is not a valid policy.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadPolicyText } from "./load_policy.ts";
 * const loaded = loadPolicyText("version: 1\n", "p.yaml");
 * assert(loaded.policy.revision === 0 && loaded.hash.length === 64);
 * ```
 */
export function loadPolicyText(
  text: string,
  file: string,
  options: CompileOptions = {},
): LoadedPolicy {
  const { policy, issues, warnings } = parsePolicy(text, file);
  if (!policy) throw new PolicyValidationError(issues);
  return loadedOf(policy, text, file, options, warnings);
}

/**
 * Load a policy from its JSON document (`policyFromJson`: the schema checks, no YAML parse) with
 * the text it was written as (kept as the source, and read for lease comments); undefined when
 * the JSON is not a clean policy, and the caller loads the text instead. `known` (a proxy's
 * memory of its last clean push) spares validating and hashing the unchanged rules again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadPolicyJson } from "./load_policy.ts";
 * const loaded = loadPolicyJson('{"version":1,"revision":2}', "version: 1\nrevision: 2\n", "p.yaml");
 * assert.equal(loaded?.policy.revision, 2);
 * assert.equal(loadPolicyJson("{}", "", "p.yaml"), undefined);
 * ```
 */
export function loadPolicyJson(
  json: string,
  text: string,
  file: string,
  options: CompileOptions = {},
  known?: ValidatedRules,
): LoadedPolicy | undefined {
  const policy = policyFromJson(json, known);
  if (!policy) return undefined;
  const ruleText = known &&
    ((key: string, rule: NetworkRule) => known.canonical(key, rule, canonicalRule));
  return loadedOf(policy, text, file, options, undefined, ruleText);
}

function loadedOf(
  policy: Policy,
  text: string,
  file: string,
  options: CompileOptions,
  warnings?: PolicyIssue[],
  ruleText?: (key: string, rule: NetworkRule) => string,
): LoadedPolicy {
  // Leases live in Tollgate-owned comments (OpenShell ignores them): compile them in.
  const leases = parseRuleLeases(text);
  const compileOptions = leases.size ? { ...options, leases } : options;
  // Compiled on first use: a gateway that only validates and hashes a new text (an approval)
  // never pays for matchers it does not run.
  let compiled: CompiledPolicy | undefined;
  const loaded: LoadedPolicy = {
    file,
    text,
    policy,
    get compiled() {
      return compiled ??= compilePolicy(policy, compileOptions);
    },
    hash: policyHash(policy, ruleText),
  };
  if (leases.size) loaded.leases = leases;
  if (warnings) loaded.warnings = warnings;
  return loaded;
}

/**
 * Read and load a policy file. A read failure becomes a single issue at 1:1.
 *
 * @throws {PolicyValidationError} when the file cannot be read or is not a valid policy.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadPolicyFile } from "./load_policy.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const loaded = await loadPolicyFile(`${dir}/team.yaml`);
 * assert.equal(loaded.policy.revision, 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadPolicyFile(
  path: string,
  options: CompileOptions = {},
): Promise<LoadedPolicy> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new PolicyValidationError([{ file: path, line: 1, col: 1, message: readMessage(error) }]);
  }
  return loadPolicyText(text, path, options);
}

/**
 * The real path of an executable path (every symlink resolved), or undefined when it does
 * not exist, cannot be read, or is already real. The resolver a proxy compiles with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { realBinaryPath } from "./load_policy.ts";
 *
 * // Like /usr/bin/python3 -> python3.11 on Debian 12.
 * const dir = Deno.realPathSync(await Deno.makeTempDir());
 * await Deno.writeTextFile(`${dir}/python3.11`, "");
 * await Deno.symlink(`${dir}/python3.11`, `${dir}/python3`);
 * assert.equal(realBinaryPath(`${dir}/python3`), `${dir}/python3.11`);
 * assert.equal(realBinaryPath(`${dir}/python3.11`), undefined); // already real
 * assert.equal(realBinaryPath(`${dir}/missing`), undefined);
 * assert.equal(realBinaryPath("/proc/self/exe"), undefined); // the proxy itself, never resolved
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function realBinaryPath(path: string): string | undefined {
  // /proc and /dev name the resolving process's own state (/proc/self/exe is this proxy's
  // runtime, /dev/fd/3 one of its files), never a requester's program: keep them as written,
  // where they match nothing (an executable's path is never under them).
  if (namesProcess(path)) return undefined;
  try {
    const real = Deno.realPathSync(path);
    return real === path ? undefined : real;
  } catch {
    // Missing here (another machine's layout) or unreadable: the path as written still counts.
    return undefined;
  }
}

/**
 * True when a binary path lies under /proc or /dev once `//`, `.` and `..` are read as the file
 * system reads them: such a path names some process's state (`/proc/self/exe` is whoever
 * resolves it), never a program file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { namesProcess } from "./load_policy.ts";
 * assert(namesProcess("/proc/self/exe") && namesProcess("//proc/./self/exe"));
 * assert(namesProcess("/usr/../dev/fd/3") && !namesProcess("/usr/bin/curl"));
 * ```
 */
export function namesProcess(path: string): boolean {
  return /^\/(proc|dev)(\/|$)/.test(posix.normalize(path));
}

function readMessage(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "Cannot read policy file: no such file";
  if (error instanceof Deno.errors.PermissionDenied) {
    return "Cannot read policy file: permission denied";
  }
  if (error instanceof Deno.errors.IsADirectory) {
    return "Cannot read policy file: it is a directory";
  }
  const message = error instanceof Error ? error.message : String(error);
  return `Cannot read policy file: ${message.split("\n")[0]}`;
}
