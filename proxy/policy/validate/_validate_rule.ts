/**
 * Validation of one `network_policies` entry (a rule) from a plain value, shared by the file
 * validator and by JSON proposals.
 *
 * @module
 */

import {
  type Checker,
  describe,
  hasControl,
  type PlainMap,
  reportInvisible,
  type ValuePath,
} from "./_checker.ts";
import { validateEndpoint } from "./_validate_endpoint.ts";
import { ONLY_STARS, OPA_GLOB_SYNTAX } from "./_validate_match.ts";
import type { BinaryRef, Endpoint, NetworkRule } from "../model/mod.ts";

const RULE_KEYS = ["name", "endpoints", "binaries"] as const;

/** Validate a rule; returns it only when no problem was found in it. */
export function validateRuleValue(
  c: Checker,
  raw: unknown,
  path: ValuePath,
): NetworkRule | undefined {
  const before = c.problems.length;
  if (!c.map(raw, path, "Rule")) return undefined;
  c.knownKeys(raw, RULE_KEYS, path, "rule");
  // Every string of a rule reaches a reviewer (diff, CLI, inbox) and the policy file as is.
  reportInvisible(c, raw, path);
  const name = c.string(raw, "name", path);
  // Names reach reviewers' terminals: no control characters (escape sequences), bounded size.
  if (name !== undefined && (hasControl(name) || name.length > 200)) {
    c.report(
      [...path, "name"],
      `Key "name" must be at most 200 characters without control characters`,
    );
  }
  const endpoints = nonEmptyList(c, raw, "endpoints", path)?.map((e, i) =>
    validateEndpoint(c, e, [...path, "endpoints", i])
  );
  // No `binaries` key means any binary (OpenShell #2499); an empty list stays an error.
  const binaries = raw.binaries === undefined
    ? undefined
    : nonEmptyList(c, raw, "binaries", path)?.map((b, i) =>
      validateBinary(c, b, [...path, "binaries", i])
    );
  if (c.problems.length !== before || !endpoints) return undefined;
  if (raw.binaries !== undefined && !binaries) return undefined;
  const rule: NetworkRule = { endpoints: endpoints as Endpoint[] };
  if (binaries) rule.binaries = binaries as BinaryRef[];
  if (name !== undefined) rule.name = name;
  return rule;
}

function nonEmptyList(
  c: Checker,
  obj: PlainMap,
  key: string,
  path: ValuePath,
): unknown[] | undefined {
  if (obj[key] === undefined) {
    c.report(path, `Missing required key "${key}"`, "key");
    return undefined;
  }
  const list = c.list(obj, key, path);
  if (list && list.length === 0) c.report([...path, key], `Key "${key}" must not be empty`);
  return list;
}

function validateBinary(c: Checker, raw: unknown, path: ValuePath): BinaryRef | undefined {
  if (!c.map(raw, path, "Binary")) return undefined;
  c.knownKeys(raw, ["path", "harness"], path, "binary");
  // OpenShell still accepts its deprecated `harness` flag and ignores it; so does Tollgate.
  if (c.boolean(raw, "harness", path) !== undefined) {
    c.warn([...path, "harness"], `Key "harness" is deprecated and ignored: remove it`, "key");
  }
  if (raw.path === undefined) {
    c.report(path, `Missing required key "path"`, "key");
    return undefined;
  }
  const p = c.string(raw, "path", path);
  if (p === undefined) return undefined;
  const problem = absolutePathProblem(p, "Binary path") ??
    (p.includes("*") && OPA_GLOB_SYNTAX.test(p)
      ? `Binary glob ${describe(p)} ${ONLY_STARS}`
      : undefined);
  if (problem) c.report([...path, "path"], problem);
  return problem ? undefined : { path: p };
}

// A `..` segment, matched in place (splitting every binary path allocated a list per binary).
const DOT_DOT_SEGMENT = /(?:^|\/)\.\.(?:\/|$)/;

/** The problem with a path that must be absolute, non-empty and free of `..`, if any. */
export function absolutePathProblem(p: string, what: string): string | undefined {
  if (p === "") return `${what} must not be empty`;
  if (!p.startsWith("/")) return `${what} ${describe(p)} must be absolute`;
  if (DOT_DOT_SEGMENT.test(p)) return `${what} ${describe(p)} must not contain ".."`;
  if (p.length > 4096) return `${what} must be at most 4096 characters`;
  if (hasControl(p)) return `${what} must not contain control characters`;
  return undefined;
}
