/**
 * The proposal checks on strings a reviewer could read as something they are not: a binary
 * path, a rule name or a query matcher with a look-alike character (a Cyrillic "о" in `gh-ro`,
 * a full-width letter, a space at an end), a request path not written the way requests are
 * matched (`/%61dmin` grants `/admin`; a deny on `/a/%2e%2e/b` never fires), and a GraphQL
 * persisted-query registry (its entries say what a hash runs, which nobody can check). Agent
 * proposals only: a person's policy file may hold any of these.
 *
 * @module
 */

import {
  canonicalizePath,
  type Endpoint,
  isGraphqlMatch,
  type L7Match,
  matcherGlobs,
  mcpRules,
  namesProcess,
  type NetworkRule,
} from "../../proxy/policy/mod.ts";
import type { Finding } from "../../proxy/policy_local/mod.ts";
import { visibleText } from "../repo/mod.ts";

/** Printable ASCII, with no space at either end. */
const PLAIN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

function refuse(code: string, message: string): Finding {
  return { code, severity: "refuse", message };
}

/** `text` with every character outside printable ASCII written as `<U+XXXX>`. */
function codePoints(text: string, max: number): string {
  const shown = text.replace(
    /[^\x21-\x7e]/gu,
    (ch) => `<U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}>`,
  );
  return visibleText(shown, max);
}

/** A refusal `code` when `text` is not printable ASCII without a space at an end. */
function confusable(code: string, what: string, text: string, fix: string): Finding | undefined {
  if (PLAIN.test(text)) return undefined;
  return refuse(
    code,
    `${what} ${codePoints(text, 300)} has a character outside printable ASCII or a space at ` +
      `an end, so it can read as another ${what.split(" ").at(-1)}: ${fix}`,
  );
}

/** A refusal when path pattern `p` is not in the form requests are matched in. */
function nonCanonicalPath(at: string, p: string, e: Endpoint): Finding | undefined {
  if (!p.startsWith("/")) return undefined;
  const canonical = canonicalizePath(p, { allowEncodedSlash: e.allow_encoded_slash === true });
  if (canonical.ok && canonical.path === p) return undefined;
  const fix = canonical.ok
    ? `write it as requests are matched: "${canonical.path}"`
    : canonical.reason;
  return refuse(
    "non_canonical_path",
    `${at}: path "${visibleText(p, 300)}" is not what it matches (escapes, dot-segments, empty ` +
      `segments and ;params are resolved before matching): ${fix}`,
  );
}

/** The L7 matchers of an endpoint: allows, then denies (GraphQL ones have no path). */
function restMatchers(e: Endpoint): [string, L7Match][] {
  const allows = (e.rules ?? []).map((r, i): [string, unknown] => [`rules[${i}].allow`, r.allow]);
  const denies = (e.deny_rules ?? []).map((d, i): [string, unknown] => [`deny_rules[${i}]`, d]);
  return [...allows, ...denies].filter((m): m is [string, L7Match] =>
    typeof (m[1] as Partial<L7Match>).path === "string"
  );
}

/** GraphQL names are ASCII by the spec: a look-alike in a glob only makes it never match. */
function graphqlFindings(e: Endpoint, at: string): (Finding | undefined)[] {
  const matchers = [...(e.rules ?? []).map((r) => r.allow), ...(e.deny_rules ?? [])]
    .filter(isGraphqlMatch);
  const fix = "propose the ASCII names of the operation and its fields";
  const out = matchers.flatMap((m) =>
    [m.operation_name || "*", ...(m.fields ?? []).filter((f) => f !== "")].map((text) =>
      confusable("confusable_graphql", `${at} GraphQL name`, text, fix)
    )
  );
  // The proxy runs a hash-only request as its registry entry says; neither it nor a reviewer
  // can check what the hash or saved-query id really runs (a vendor's saved mutation, say).
  if (Object.keys(e.graphql_persisted_queries ?? {}).length > 0) {
    out.push(refuse(
      "persisted_query_registry",
      `${at} lists graphql_persisted_queries: what a hash or saved-query id runs is the ` +
        "proposal's word, which no reviewer can check; propose the operations themselves (a " +
        "person may add a registry to the policy file)",
    ));
  }
  return out;
}

/**
 * MCP tool names are ASCII (strict_tool_names): a look-alike glob only never matches. A
 * JSON-RPC method is read here too: a look-alike deny never fires on the ASCII method.
 */
function mcpFindings(e: Endpoint, at: string): (Finding | undefined)[] {
  const mcp = e.protocol === "mcp";
  const fix = mcp
    ? "propose the ASCII names of the MCP methods and tools"
    : "propose the ASCII names of the JSON-RPC methods";
  const code = mcp ? "confusable_mcp" : "confusable_json_rpc";
  const label = mcp ? `${at} MCP name` : `${at} JSON-RPC method`;
  return mcpRules(e).allow.concat(mcpRules(e).deny).flatMap((m) => {
    const spec = m.tool ?? m.params?.name;
    const texts = [m.method ?? "*", ...(spec === undefined ? [] : matcherGlobs(spec))];
    return texts.map((text) => confusable(code, label, text, fix));
  });
}

function endpointFindings(e: Endpoint, at: string): (Finding | undefined)[] {
  const out = e.path === undefined ? [] : [nonCanonicalPath(at, e.path, e)];
  out.push(...graphqlFindings(e, at), ...mcpFindings(e, at));
  for (const [where, m] of restMatchers(e)) {
    out.push(nonCanonicalPath(`${at}.${where}`, m.path, e));
    for (const [key, spec] of Object.entries(m.query ?? {})) {
      const fix = "propose ASCII query matchers (a person may write others in the policy file)";
      for (const text of [key, ...matcherGlobs(spec)]) {
        out.push(confusable("confusable_query", `${at}.${where} query`, text, fix));
      }
    }
  }
  return out;
}

/**
 * Refusals for every string of a proposed rule that can read as something it is not: binary
 * paths (`confusable_binary`), the rule's name (`confusable_name`), query keys and globs
 * (`confusable_query`), GraphQL operation names and fields (`confusable_graphql`), MCP
 * methods and tool names (`confusable_mcp`), request
 * paths not in canonical form (`non_canonical_path`), and a persisted-query registry
 * (`persisted_query_registry`: what a hash runs is the proposal's word).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { misreadFindings } from "./_misread_findings.ts";
 * const rule = {
 *   name: "gh-r\u043e",
 *   endpoints: [{ host: "a.example.com", port: 443, protocol: "rest" as const,
 *     rules: [{ allow: { method: "GET", path: "/%61dmin" } }] }],
 *   binaries: [{ path: "/usr/bin/curl" }],
 * };
 * assert.deepEqual(misreadFindings(rule).map((f) => f.code), ["confusable_name", "non_canonical_path"]);
 * ```
 */
export function misreadFindings(rule: NetworkRule): Finding[] {
  // An empty name is what a protobuf client sends for "no name": nothing to misread.
  const name = rule.name === undefined || rule.name === ""
    ? undefined
    : confusable("confusable_name", "rule name", rule.name, "name the rule in ASCII");
  const binaries = (rule.binaries ?? []).map((b) =>
    confusable("confusable_binary", "binary", b.path, "propose the ASCII path of the file") ??
      processBinary(b.path)
  );
  const endpoints = rule.endpoints.flatMap((e, i) => endpointFindings(e, `endpoints[${i}]`));
  return [name, ...binaries, ...endpoints].filter((f): f is Finding => f !== undefined);
}

/**
 * A binary under /proc or /dev names a process (`/proc/self/exe` is whoever resolves it), not
 * the program a reviewer would read it as: refused (`process_binary`).
 */
function processBinary(path: string): Finding | undefined {
  if (!namesProcess(path)) return undefined;
  return refuse(
    "process_binary",
    `binary ${visibleText(path, 100)} names a process, not a program file: propose the ` +
      "program's own path (what `readlink /proc/self/exe` prints from it)",
  );
}

/** A name as it reads at a glance: lower case, every run of other characters as one `_`. */
function folded(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
}

/**
 * A finding (info, shown with the checks) when a proposed rule's `name` is (or reads as) the
 * key or name of a rule that
 * already grants one of its hosts (`neighbours`): the new rule gets a key of its own, so
 * `name: gh-ro` under it reads as the reviewed rule `gh_ro` it does not change.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nameTakenFinding } from "./_misread_findings.ts";
 * const neighbours = { gh_ro: { name: "github-readonly", endpoints: [] } };
 * assert.equal(nameTakenFinding({ name: "GitHub ReadOnly", endpoints: [] }, neighbours)?.code, "name_taken");
 * assert.equal(nameTakenFinding({ name: "docs", endpoints: [] }, neighbours), undefined);
 * ```
 */
export function nameTakenFinding(
  rule: NetworkRule,
  neighbours: Record<string, NetworkRule>,
): Finding | undefined {
  const name = rule.name === undefined ? "" : folded(rule.name);
  if (name === "") return undefined;
  const key = Object.keys(neighbours).find((k) =>
    folded(k) === name || folded(neighbours[k]!.name ?? "") === name
  );
  if (key === undefined) return undefined;
  return {
    code: "name_taken",
    // Info, not warn: the name grants nothing, and a warning new since the review would block
    // approving the second of two proposals an agent named alike.
    severity: "info",
    message: `rule name "${visibleText(rule.name!, 100)}" is the name of rule ${key}, or reads ` +
      `as it: the proposal adds a separate rule and leaves ${key} as it is`,
  };
}
