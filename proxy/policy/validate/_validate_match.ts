/**
 * Validation of L7 matchers from a plain value: `rules[].allow` and `deny_rules[]` entries,
 * their path patterns and query matchers.
 *
 * @module
 */

import { type Checker, describe, hasControl, isMap, type ValuePath } from "./_checker.ts";
import { HTTP_METHODS } from "../model/mod.ts";
import type { L7Match, QueryMatcherSpec } from "../model/mod.ts";
import { matcherGlobs } from "../compile/mod.ts";
import { WEBSOCKET_TEXT } from "../judge/mod.ts";

/** How the matcher of an `allow:` entry is validated, and what one looks like in a hint. */
export interface AllowMatcher<T> {
  /** Validates the matcher: a request's (`validateMatch`) or a GraphQL operation's. */
  match: (c: Checker, raw: unknown, path: ValuePath) => T | undefined;
  /** A matcher as the hint for a missing `allow:` writes it, e.g. `{method: ..., path: ...}`. */
  example: string;
}

/** Validate `{allow: MATCHER}` (one entry of `rules`), the matcher as `matcher` says. */
export function validateAllow<T>(
  c: Checker,
  raw: unknown,
  path: ValuePath,
  matcher: AllowMatcher<T>,
): { allow: T } | undefined {
  if (!c.map(raw, path, "Rule entry")) return undefined;
  if (raw.allow === undefined) {
    // One clear problem rather than one per stray key: the usual slip is a missing `allow:`.
    c.report(path, `Rule entry needs "allow": write "- allow: ${matcher.example}"`, "key");
    return undefined;
  }
  c.knownKeys(raw, ["allow"], path, "rule entry");
  const allow = matcher.match(c, raw.allow, [...path, "allow"]);
  return allow && { allow };
}

/**
 * Validate `{method, path, query?}` (an allow or a deny matcher); `websocket` for one of a
 * `protocol: websocket` endpoint, whose usual methods are GET and WEBSOCKET_TEXT.
 */
export function validateMatch(
  c: Checker,
  raw: unknown,
  path: ValuePath,
  websocket = false,
): L7Match | undefined {
  const before = c.problems.length;
  if (!c.map(raw, path, "Matcher")) return undefined;
  c.knownKeys(raw, ["method", "path", "query"], path, "matcher");
  for (const key of ["method", "path"]) {
    if (raw[key] === undefined) c.report(path, `Missing required key "${key}"`, "key");
  }
  const method = c.string(raw, "method", path);
  if (method !== undefined) checkMethod(c, method, [...path, "method"], websocket);
  const p = c.string(raw, "path", path);
  const problem = p === undefined ? undefined : pathPatternProblem(p);
  if (problem) c.report([...path, "path"], problem);
  const query = validateQuery(c, raw.query, [...path, "query"]);
  if (c.problems.length !== before || method === undefined || p === undefined) return undefined;
  return query ? { method, path: p, query } : { method, path: p };
}

/**
 * OpenShell matches globs with OPA's `glob.match`, where `?`, `[...]` and `{a,b}` are wildcards
 * and `\` escapes the next character. Tollgate's globs know only `*` and `**`, so a pattern
 * using the others is refused rather than read literally (an allow that never matches, a deny
 * that never fires; `\*` would be a wildcard here and a literal `*` there).
 */
export const OPA_GLOB_SYNTAX = /[?[\]{}\\]/;

/** The end of the message for a glob {@linkcode OPA_GLOB_SYNTAX} refuses. */
export const ONLY_STARS =
  `may use only "*" and "**" as wildcards ("?", "[...]", "{...}" and backslash escapes are not supported by Tollgate)`;

/** An RFC 9110 method token: what a request line can carry. */
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * A method outside the usual set (WebDAV's PROPFIND, say) loads with a warning, as in
 * OpenShell's validate_l7_policies, and matches only that method; one no request line can
 * carry is an error.
 */
function checkMethod(c: Checker, method: string, path: ValuePath, websocket: boolean): void {
  const upper = method.toUpperCase();
  if (websocket) return checkWebsocketMethod(c, method, path);
  if (upper === WEBSOCKET_TEXT) {
    // decide() never matches it to an HTTP request, and a `rest` endpoint's WebSocket frames
    // are relayed unread: the rule would grant nothing.
    return c.warn(
      path,
      `Method "${method}" judges WebSocket messages only on a "protocol: websocket" endpoint: this rule matches nothing`,
    );
  }
  if (method === "*" || HTTP_METHODS.includes(upper)) return;
  if (!METHOD_TOKEN.test(method)) c.report(path, `Unknown method ${describe(method)}`);
  else {
    c.warn(
      path,
      `Unknown method ${describe(method)}: the rule matches only requests with that method`,
    );
  }
}

/** OpenShell's `valid_methods_for_protocol("websocket")`; others load with its warning. */
function checkWebsocketMethod(c: Checker, method: string, path: ValuePath): void {
  if (["GET", WEBSOCKET_TEXT, "*"].includes(method.toUpperCase())) return;
  if (!METHOD_TOKEN.test(method)) return c.report(path, `Unknown method ${describe(method)}`);
  c.warn(
    path,
    `Unknown HTTP/WebSocket method ${
      describe(method)
    } (a websocket endpoint judges GET, WEBSOCKET_TEXT or *): the rule matches only requests with that method`,
  );
}

/** The problem with an L7 path pattern, if any (never echoes a value holding `?`). */
export function pathPatternProblem(p: string): string | undefined {
  if (p.includes("?")) return `Path must not contain "?": match query parameters with "query"`;
  if (p !== "**" && !p.startsWith("/")) return `Path ${describe(p)} must start with "/" or be "**"`;
  if (OPA_GLOB_SYNTAX.test(p)) return `Path ${describe(p)} ${ONLY_STARS}`;
  if (!/^[\x21-\x7e]*$/.test(p) || p.includes("#")) {
    return `Path must be printable ASCII without spaces or "#"`;
  }
  if (p.length > 4096) return `Path must be at most 4096 characters`;
  return undefined;
}

function validateQuery(
  c: Checker,
  raw: unknown,
  path: ValuePath,
): Record<string, QueryMatcherSpec> | undefined {
  if (raw === undefined) return undefined;
  if (!isMap(raw)) {
    c.report(path, `Key "query" must be a map of parameter name to matcher, got ${describe(raw)}`);
    return undefined;
  }
  const out: Record<string, QueryMatcherSpec> = {};
  for (const [key, spec] of Object.entries(raw)) {
    const globs = queryMatcherOk(spec) ? matcherGlobs(spec) : [];
    const opaGlob = globs.find((g) => OPA_GLOB_SYNTAX.test(g));
    if (hasControl(key) || globs.some(hasControl)) {
      c.report([...path, key], `Query matcher must not contain control characters`);
    } else if (opaGlob !== undefined) {
      c.report([...path, key], `Query glob ${describe(opaGlob)} ${ONLY_STARS}`);
    } else if (queryMatcherOk(spec)) out[key] = spec;
    else {
      c.report(
        [...path, key],
        `Query matcher for ${
          describe(key)
        } must be a glob string, {glob: "..."} or {any: ["...", ...]}`,
      );
    }
  }
  return out;
}

function queryMatcherOk(spec: unknown): spec is QueryMatcherSpec {
  if (typeof spec === "string") return true;
  if (!isMap(spec) || Object.keys(spec).length !== 1) return false;
  if ("glob" in spec) return typeof spec.glob === "string";
  return Array.isArray(spec.any) && spec.any.length > 0 &&
    spec.any.every((g) => typeof g === "string");
}
