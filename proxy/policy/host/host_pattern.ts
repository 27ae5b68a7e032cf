/**
 * Host patterns: the one place that knows what a policy `host` may look like and how it
 * matches a request host. The validator and the compiled index both use it.
 *
 * OpenShell's semantics (its `validate_host_wildcard` and Rego `glob.match(host, ["."])`):
 * `*` stays inside one DNS label and may sit anywhere in the first label (`*-api.x.com`);
 * a later label holding a wildcard must be exactly `*` (`*.s3.*.amazonaws.com`); `**` is
 * allowed only as the whole first label and spans one or more labels. Tollgate is stricter
 * on breadth: the last two labels must be fixed, so no pattern spans a top-level domain.
 *
 * @module
 */

import { isIpLiteral } from "./ip.ts";
import { endsInNumber, numericHostProblem } from "./_numeric_host.ts";

/**
 * A parsed host pattern: exact, `*.suffix` (one label), `**.suffix` (one or more labels), or
 * `glob`: per-label patterns (`*` inside a label, `*` labels, a leading `**`) before a fixed
 * suffix of at least two labels.
 */
export type HostPattern =
  | { kind: "exact"; host: string }
  | { kind: "one" | "many"; suffix: string; suffixLabels: number }
  | { kind: "glob"; suffix: string; suffixLabels: number; labels: LabelPattern[] };

/** One label of a `glob` host pattern: `**` (one or more labels) or a one-label matcher. */
export type LabelPattern = "**" | RegExp;

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
/** A first label with `*` inside: what is left after removing each `*` must be label text. */
const PARTIAL = /^[a-z0-9_*-]{1,63}$/;
/** Labels that LABEL accepts (in either case), dot-separated: a host with no problem. */
const PLAIN_HOST =
  /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;

/**
 * Check a policy host and return the problem, or undefined when it is valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostPatternProblem } from "./host_pattern.ts";
 * assert.equal(hostPatternProblem("*.example.com"), undefined);
 * assert.equal(hostPatternProblem("*-aiplatform.googleapis.com"), undefined);
 * assert.equal(hostPatternProblem("*.s3.*.amazonaws.com"), undefined);
 * assert.notEqual(hostPatternProblem("*.com"), undefined);
 * assert.match(hostPatternProblem("127.1")!, /reads? as the IPv4 address 127\.0\.0\.1/);
 * ```
 */
export function hostPatternProblem(host: string): string | undefined {
  // The usual exact name, checked in one pass: every label valid, so nothing below objects.
  const numeric = endsInNumber(host);
  if (!numeric && host.length <= 253 && PLAIN_HOST.test(host)) return undefined;
  if (host === "") return "Host must not be empty";
  if (host === "*" || host === "**") return `Bare wildcard host "${host}" would allow every host`;
  if (isIpLiteral(host)) return undefined;
  // A host ending in a number is an address in disguise (127.1 is 127.0.0.1 to a resolver).
  if (numeric) return numericHostProblem(host);
  const labels = host.toLowerCase().split(".");
  if (labels.some((l) => l === "")) return `Host "${host}" has an empty label`;
  if (host.length > 253) return `Host "${host.slice(0, 40)}..." is longer than 253 characters`;
  const problem = labels.map((l, i) => labelProblem(host, l, i)).find((p) => p !== undefined);
  if (problem) return problem;
  if (host.includes("*") && (labels.length < 3 || labels.slice(-2).some((l) => l.includes("*")))) {
    return `Wildcard host "${host}" covers a whole top-level domain: name at least two labels`;
  }
  return undefined;
}

function labelProblem(host: string, label: string, index: number): string | undefined {
  if (!label.includes("*")) {
    return LABEL.test(label) ? undefined : `Host "${host}" has an invalid label "${label}"`;
  }
  if (label.includes("**") && !(index === 0 && label === "**")) {
    return `Wildcard "**" in host "${host}" must be the whole first label`;
  }
  if (index > 0 && label !== "*") {
    return `Wildcard in host "${host}" must be a whole label "*" after the first label`;
  }
  if (index === 0 && !PARTIAL.test(label)) {
    return `Host "${host}" has an invalid label "${label}"`;
  }
  return undefined;
}

/**
 * Parse a host that `hostPatternProblem()` accepted (lower-cased).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHostPattern } from "./host_pattern.ts";
 * assert.equal(parseHostPattern("**.Example.com").kind, "many");
 * assert.equal(parseHostPattern("*-api.example.com").kind, "glob");
 * ```
 */
export function parseHostPattern(host: string): HostPattern {
  const lower = host.toLowerCase();
  if (!lower.includes("*")) return { kind: "exact", host: lower };
  const labels = lower.split(".");
  // The fixed suffix: every label after the last one holding a wildcard.
  let last = labels.length - 1;
  while (!labels[last]!.includes("*")) last--;
  const suffix = labels.slice(last + 1).join(".");
  const suffixLabels = labels.length - last - 1;
  const head = labels.slice(0, last + 1);
  if (head.length === 1 && (head[0] === "*" || head[0] === "**")) {
    return { kind: head[0] === "*" ? "one" : "many", suffix, suffixLabels };
  }
  return { kind: "glob", suffix, suffixLabels, labels: head.map(labelPattern) };
}

function labelPattern(label: string): LabelPattern {
  if (label === "**") return "**";
  // Labels hold only [a-z0-9_-] besides `*`, so the text needs no escaping.
  if (label === "*") return /^[^.]+$/;
  return new RegExp(`^${label.split("*").join("[^.]*")}$`);
}

/**
 * True when a (lower-case) request host matches a pattern. The compiled index does the same
 * through suffix lookups; this is the reference used by tests and one-off checks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostMatches, parseHostPattern } from "./host_pattern.ts";
 * assert(hostMatches(parseHostPattern("*.example.com"), "api.example.com"));
 * assert(!hostMatches(parseHostPattern("*.example.com"), "a.b.example.com"));
 * ```
 */
export function hostMatches(pattern: HostPattern, host: string): boolean {
  const h = host.toLowerCase();
  if (pattern.kind === "exact") return h === pattern.host;
  if (!h.endsWith("." + pattern.suffix)) return false;
  return wildcardMatches(pattern, h, h.split(".").length);
}

/**
 * True when a lower-case host with `hostLabels` labels, already known to end in the pattern's
 * suffix, matches the wildcard part of the pattern.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHostPattern, wildcardMatches } from "./host_pattern.ts";
 * assert(wildcardMatches(parseHostPattern("**.example.com"), "a.b.c.example.com", 5));
 * assert(wildcardMatches(parseHostPattern("*-ai.example.com"), "eu-ai.example.com", 3));
 * ```
 */
export function wildcardMatches(pattern: HostPattern, host: string, hostLabels: number): boolean {
  if (pattern.kind === "exact") return false;
  const extra = hostLabels - pattern.suffixLabels;
  if (pattern.kind !== "glob") return pattern.kind === "one" ? extra === 1 : extra >= 1;
  const head = host.split(".").slice(0, extra);
  const [first, ...rest] = pattern.labels;
  // A leading `**` takes one or more labels; every other label pattern takes exactly one.
  const fixed = first === "**" ? rest : pattern.labels;
  if (first === "**" ? head.length <= rest.length : head.length !== fixed.length) return false;
  const tail = head.slice(head.length - fixed.length);
  return fixed.every((p, i) => (p as RegExp).test(tail[i]!));
}

/**
 * What every host of `host` ends with: the text after its last `*` (all of an exact host). Two
 * patterns share a host only when one's tail ends the other's; a pattern holds only patterns
 * whose tail ends with its own (the text just before a tail comes from a wildcard, so it takes
 * more than one value). A cheap test before the glob products, for policies of thousands of
 * hosts and patterns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostTail } from "./host_pattern.ts";
 * assert.equal(hostTail("*.s3.*.amazonaws.com"), ".amazonaws.com");
 * assert.equal(hostTail("api.example.com"), "api.example.com");
 * ```
 */
export function hostTail(host: string): string {
  return host.slice(host.lastIndexOf("*") + 1);
}
