/**
 * The duplicate check's key for a proposed rule: its hash once spellings that grant the same
 * thing are written one way. Hosts match without case and REST methods too, `port: 443` is
 * `ports: [443]`, a REST deny's path matches without case (`compileMatch` lowers it), a binary,
 * endpoint or rule listed twice is listed once, and the order of endpoints, binaries, ports,
 * rules and denies is not part of the key (the matcher tries them all). Paths need no more: a
 * proposed path not written the way requests are matched (`/a/../b`, `//`, `%2F`, `;p`) is
 * refused before this check (`non_canonical_path`), and a trailing `/` is another path to the
 * matcher. The key is only compared: the stored and shown rule is what was submitted. Without it a sandbox got
 * one pending proposal per spelling of a single rule (`API.example.com`, `get`, the binary
 * twice), each a line in the inbox and a notification, and a reviewer approving one found the
 * others "already covered" still waiting.
 *
 * @module
 */

import { ruleHash } from "./proposal_hashes.ts";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `list` without entries equal (as canonical JSON) to an earlier one. */
function once(list: unknown[]): unknown[] {
  const seen = new Set<string>();
  return list.filter((item) => {
    const key = ruleHash(item);
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** `list` once each, in one order whatever order it was written in. */
function sorted(list: unknown[]): unknown[] {
  return once(list).map((item) => [ruleHash(item), item] as const)
    .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([, item]) => item);
}

/** A REST matcher with its method upper-cased (methods match without case). */
function restMatcher(m: unknown): unknown {
  return isObject(m) && typeof m.method === "string" ? { ...m, method: m.method.toUpperCase() } : m;
}

/** A REST deny: its method as `restMatcher`, its path lower-cased as the matcher reads it. */
function restDeny(m: unknown): unknown {
  const out = restMatcher(m);
  return isObject(out) && typeof out.path === "string"
    ? { ...out, path: out.path.toLowerCase() }
    : out;
}

function endpoint(e: unknown): unknown {
  if (!isObject(e)) return e;
  const out: Json = { ...e };
  if (typeof e.host === "string") out.host = e.host.toLowerCase();
  if (typeof e.port === "number") {
    delete out.port;
    out.ports = [e.port];
  }
  if (Array.isArray(out.ports)) out.ports = [...new Set(out.ports)].sort();
  if (Array.isArray(e.allowed_ips)) out.allowed_ips = sorted(e.allowed_ips);
  // Only REST methods: MCP and JSON-RPC method names are case-sensitive.
  const rest = e.protocol === "rest";
  if (Array.isArray(e.rules)) {
    out.rules = sorted(
      e.rules.map((r) => rest && isObject(r) ? { ...r, allow: restMatcher(r.allow) } : r),
    );
  }
  if (Array.isArray(e.deny_rules)) {
    out.deny_rules = sorted(rest ? e.deny_rules.map(restDeny) : e.deny_rules);
  }
  return out;
}

/**
 * The hash two spellings of one rule share (see the module doc); never used to write or
 * approve a rule, only to find a pending proposal that already asks for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { spellingHash } from "./_rule_spelling.ts";
 * const a = { endpoints: [{ host: "API.example.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const b = { endpoints: [{ host: "api.example.com", ports: [443] }], binaries: [{ path: "/bin/gh" }, { path: "/bin/gh" }] };
 * assert.equal(spellingHash(a), spellingHash(b));
 * assert.notEqual(spellingHash(a), spellingHash({ ...a, binaries: [{ path: "/bin/git" }] }));
 * ```
 */
export function spellingHash(rule: unknown): string {
  if (!isObject(rule)) return ruleHash(rule);
  const out: Json = { ...rule };
  // The rule's name is not what it grants (the duplicate check ignores it as it ignores the key).
  delete out.name;
  if (Array.isArray(rule.endpoints)) out.endpoints = sorted(rule.endpoints.map(endpoint));
  if (Array.isArray(rule.binaries)) out.binaries = sorted(rule.binaries);
  return ruleHash(out);
}
