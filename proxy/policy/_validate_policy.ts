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
import type { NetworkRule, Policy } from "./types.ts";

const TOP_KEYS = [
  "version",
  "revision",
  "network_policies",
  "filesystem_policy",
  "landlock",
  "process",
];
const RULE_KEY = /^[A-Za-z0-9_.-]+$/;

/** Validate a parsed document; returns the policy only when no problem was found. */
export function validatePolicyValue(c: Checker, raw: unknown): Policy | undefined {
  if (!c.map(raw, [], "A policy document")) return undefined;
  c.knownKeys(raw, TOP_KEYS, [], "policy");
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
  const rules = validateRules(c, raw.network_policies);
  // Rules check their own text; the static sections are checked here.
  for (const key of ["filesystem_policy", "landlock", "process"]) {
    reportInvisible(c, raw[key], [key]);
  }
  const policy: Policy = { version: 1, revision: revision as number, network_policies: rules };
  staticSections(c, raw, policy);
  return c.problems.length === 0 ? policy : undefined;
}

function validateRules(c: Checker, raw: unknown): Record<string, NetworkRule> {
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
    }
    const rule = validateRuleValue(c, value, path);
    if (rule) out[key] = rule;
  }
  return out;
}

function staticSections(c: Checker, raw: PlainMap, policy: Policy): void {
  const fs = raw.filesystem_policy;
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
    policy.filesystem_policy = section;
  }
  const ll = raw.landlock;
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
  const proc = raw.process;
  if (proc !== undefined && c.map(proc, ["process"], `Key "process"`)) {
    c.knownKeys(proc, ["run_as_user", "run_as_group"], ["process"], "process");
    const section: NonNullable<Policy["process"]> = {};
    for (const key of ["run_as_user", "run_as_group"] as const) {
      const v = c.string(proc, key, ["process"]);
      if (v === "root" || v === "0") {
        c.report(["process", key], `Key "${key}" must not be ${describe(v)}`);
      } else if (v === "") c.report(["process", key], `Key "${key}" must not be empty`);
      if (v !== undefined) section[key] = v;
    }
    policy.process = section;
  }
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
    else if (key === "read_write" && item === "/") c.report(at, `Path "/" must not be writable`);
    out.push(item);
  });
  return out;
}
