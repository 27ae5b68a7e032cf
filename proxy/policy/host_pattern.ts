/**
 * Host patterns: the one place that knows what a policy `host` may look like and how it
 * matches a request host. The validator and the compiled index both use it.
 *
 * @module
 */

import { isIpLiteral } from "./ip.ts";

/** A parsed host pattern: exact, `*.suffix` (one label) or `**.suffix` (one or more labels). */
export type HostPattern =
  | { kind: "exact"; host: string }
  | { kind: "one" | "many"; suffix: string; suffixLabels: number };

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Check a policy host and return the problem, or undefined when it is valid.
 *
 * Wildcards must be a whole leading label, `*.` (exactly one label) or `**.` (one or more),
 * followed by at least two fixed labels: `*.com` would grant a whole top-level domain.
 *
 * @example
 * ```ts
 * import { hostPatternProblem } from "./host_pattern.ts";
 * console.assert(hostPatternProblem("*.example.com") === undefined);
 * console.assert(hostPatternProblem("*.com") !== undefined);
 * ```
 */
export function hostPatternProblem(host: string): string | undefined {
  if (host === "") return "Host must not be empty";
  if (host === "*" || host === "**") return `Bare wildcard host "${host}" would allow every host`;
  if (isIpLiteral(host)) return undefined;
  const labels = host.toLowerCase().split(".");
  const first = labels[0];
  const rest = first === "*" || first === "**" ? labels.slice(1) : labels;
  if (rest.some((l) => l.includes("*"))) {
    return `Wildcard in host "${host}" must be a whole first label ("*." or "**.")`;
  }
  if (rest.some((l) => l === "")) return `Host "${host}" has an empty label`;
  if (host.length > 253) return `Host "${host.slice(0, 40)}..." is longer than 253 characters`;
  const bad = rest.find((l) => !LABEL.test(l));
  if (bad !== undefined) return `Host "${host}" has an invalid label "${bad}"`;
  if (rest !== labels && rest.length < 2) {
    return `Wildcard host "${host}" covers a whole top-level domain: name at least two labels`;
  }
  return undefined;
}

/**
 * Parse a host that `hostPatternProblem()` accepted (lower-cased).
 *
 * @example
 * ```ts
 * import { parseHostPattern } from "./host_pattern.ts";
 * const p = parseHostPattern("**.Example.com");
 * console.assert(p.kind === "many");
 * ```
 */
export function parseHostPattern(host: string): HostPattern {
  const lower = host.toLowerCase();
  for (const [prefix, kind] of [["*.", "one"], ["**.", "many"]] as const) {
    if (lower.startsWith(prefix)) {
      const suffix = lower.slice(prefix.length);
      return { kind, suffix, suffixLabels: suffix.split(".").length };
    }
  }
  return { kind: "exact", host: lower };
}

/**
 * True when a (lower-case) request host matches a pattern. The compiled index does the same
 * through suffix lookups; this is the reference used by tests and one-off checks.
 *
 * @example
 * ```ts
 * import { hostMatches, parseHostPattern } from "./host_pattern.ts";
 * console.assert(hostMatches(parseHostPattern("*.example.com"), "api.example.com"));
 * console.assert(!hostMatches(parseHostPattern("*.example.com"), "a.b.example.com"));
 * ```
 */
export function hostMatches(pattern: HostPattern, host: string): boolean {
  const h = host.toLowerCase();
  if (pattern.kind === "exact") return h === pattern.host;
  if (!h.endsWith("." + pattern.suffix)) return false;
  return labelsMatch(pattern, h.split(".").length);
}

/**
 * True when a host with `hostLabels` labels ending in the pattern's suffix matches it.
 *
 * @example
 * ```ts
 * import { labelsMatch, parseHostPattern } from "./host_pattern.ts";
 * console.assert(labelsMatch(parseHostPattern("**.example.com"), 5));
 * ```
 */
export function labelsMatch(pattern: HostPattern, hostLabels: number): boolean {
  if (pattern.kind === "exact") return false;
  const extra = hostLabels - pattern.suffixLabels;
  return pattern.kind === "one" ? extra === 1 : extra >= 1;
}
