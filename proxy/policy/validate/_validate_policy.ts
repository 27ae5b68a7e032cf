/**
 * Validation of a whole policy document from a plain value (top level and static sections).
 *
 * @module
 */

import {
  type Checker,
  describe,
  type PlainMap,
  reportInvisible,
  type ValuePath,
} from "./_checker.ts";
import { absolutePathProblem, validateRuleValue } from "./_validate_rule.ts";
import type { NetworkRule, Policy } from "../model/mod.ts";
import { unsupportedTopKeys } from "./_unsupported.ts";
import type { ValidatedRules } from "./validated_rules.ts";

const TOP_KEYS = [
  "version",
  "revision",
  "network_policies",
  "filesystem_policy",
  "landlock",
  "process",
];
const RULE_KEY = /^[A-Za-z0-9_.-]+$/;
/** OpenShell reserves this rule-key prefix for rules it generates from providers. */
const PROVIDER_PREFIX = "_provider_";
/** At most this many filesystem paths, `read_only` and `read_write` together (OpenShell). */
export const MAX_FILESYSTEM_PATHS = 256;
/** OpenShell #2785: "sandbox" or a numeric id from 1 to 2^32-2 (0 is root, 2^32-1 invalid). */
const MAX_SANDBOX_ID = 4294967294;

/**
 * Validate a parsed document; returns the policy only when no problem was found. `known`: rules
 * validated clean before, taken as they were when their key and value are unchanged.
 */
export function validatePolicyValue(
  c: Checker,
  raw: unknown,
  known?: ValidatedRules,
): Policy | undefined {
  if (!c.map(raw, [], "A policy document")) return undefined;
  const unsupported = unsupportedTopKeys(c, raw);
  c.knownKeys(raw, [...TOP_KEYS, ...unsupported], [], "policy");
  if (raw.version === undefined) c.report([], `Missing required key "version"`, "key");
  else if (typeof raw.version !== "number") {
    c.report(["version"], `Key "version" must be the number 1, got ${describe(raw.version)}`);
  } else if (raw.version !== 1) {
    c.report(["version"], `Unsupported version ${describe(raw.version)}: must be 1`);
  }
  const revision = raw.revision ?? 0;
  if (typeof revision !== "number" || !Number.isInteger(revision) || revision < 0) {
    c.report(
      ["revision"],
      `Key "revision" must be a non-negative integer, got ${describe(revision)}`,
    );
  }
  const rules = validateRules(c, raw.network_policies, known);
  // Rules check their own text; the static sections are checked here.
  for (const key of ["filesystem_policy", "landlock", "process"]) {
    reportInvisible(c, raw[key], [key]);
  }
  const policy: Policy = { version: 1, revision: revision as number, network_policies: rules };
  staticSections(c, raw, policy);
  return c.problems.length === 0 ? policy : undefined;
}

function validateRules(
  c: Checker,
  raw: unknown,
  known?: ValidatedRules,
): Record<string, NetworkRule> {
  const out: Record<string, NetworkRule> = {};
  if (raw === undefined || raw === null) return out;
  if (!c.map(raw, ["network_policies"], `Key "network_policies"`)) return out;
  for (const [key, value] of Object.entries(raw)) {
    const path: ValuePath = ["network_policies", key];
    if (!RULE_KEY.test(key)) {
      c.report(
        path,
        `Invalid rule key ${describe(key)}: use letters, digits, "_", "." and "-"`,
        "key",
      );
    } else if (key.startsWith(PROVIDER_PREFIX)) {
      c.report(path, `Rule key ${describe(key)}: the "_provider_" prefix is reserved`, "key");
    }
    const rule = known
      ? known.rule(key, value, () => validateRuleValue(c, value, path))
      : validateRuleValue(c, value, path);
    if (rule) out[key] = rule;
  }
  return out;
}

// An empty section (`landlock:` with nothing under it) is absent, as serde reads it in OpenShell.
function staticSections(c: Checker, raw: PlainMap, policy: Policy): void {
  const fs = raw.filesystem_policy ?? undefined;
  if (fs !== undefined && c.map(fs, ["filesystem_policy"], `Key "filesystem_policy"`)) {
    const path: ValuePath = ["filesystem_policy"];
    c.knownKeys(fs, ["include_workdir", "read_only", "read_write"], path, "filesystem_policy");
    const section: NonNullable<Policy["filesystem_policy"]> = {};
    const workdir = c.boolean(fs, "include_workdir", path);
    if (workdir !== undefined) section.include_workdir = workdir;
    for (const key of ["read_only", "read_write"] as const) {
      const list = pathList(c, fs, key, path);
      if (list) section[key] = list;
    }
    const count = (section.read_only?.length ?? 0) + (section.read_write?.length ?? 0);
    if (count > MAX_FILESYSTEM_PATHS) {
      c.report(path, `Too many filesystem paths: ${count}, at most ${MAX_FILESYSTEM_PATHS}`);
    }
    policy.filesystem_policy = section;
  }
  const ll = raw.landlock ?? undefined;
  if (ll !== undefined && c.map(ll, ["landlock"], `Key "landlock"`)) {
    c.knownKeys(ll, ["compatibility"], ["landlock"], "landlock");
    const modes = ["best_effort", "hard_requirement"] as const;
    const compatibility = c.choice(
      ll,
      "compatibility",
      modes,
      ["landlock"],
      "landlock compatibility",
    );
    policy.landlock = compatibility ? { compatibility } : {};
  }
  const proc = raw.process ?? undefined;
  if (proc !== undefined && c.map(proc, ["process"], `Key "process"`)) {
    c.knownKeys(proc, ["run_as_user", "run_as_group"], ["process"], "process");
    const section: NonNullable<Policy["process"]> = {};
    for (const key of ["run_as_user", "run_as_group"] as const) {
      const v = c.string(proc, key, ["process"]);
      // An empty value means omitted (OpenShell: the runtime picks the sandbox identity).
      if (v === undefined || v === "") continue;
      if (!sandboxIdentityOk(v)) {
        c.report(
          ["process", key],
          `Key "${key}" must be "sandbox" or a numeric id from 1 to ${MAX_SANDBOX_ID}, got ${
            describe(v)
          }`,
        );
      }
      section[key] = v;
    }
    policy.process = section;
  }
}

function sandboxIdentityOk(v: string): boolean {
  if (v === "sandbox") return true;
  if (!/^\+?[0-9]{1,12}$/.test(v)) return false;
  const id = Number(v);
  return id >= 1 && id <= MAX_SANDBOX_ID;
}

function pathList(c: Checker, obj: PlainMap, key: string, path: ValuePath): string[] | undefined {
  const list = c.list(obj, key, path);
  if (!list) return undefined;
  const out: string[] = [];
  list.forEach((item, i) => {
    const at: ValuePath = [...path, key, i];
    if (typeof item !== "string") {
      return c.report(at, `Path must be a string, got ${describe(item)}`);
    }
    const problem = absolutePathProblem(item, "Path");
    if (problem) c.report(at, problem);
    else if (key === "read_write" && /^\/+$/.test(item)) {
      c.report(at, `Path ${describe(item)} must not be writable`);
    }
    out.push(item);
  });
  return out;
}
