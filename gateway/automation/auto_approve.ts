/**
 * Auto-approval: `auto_approve.yaml` names patterns under which a proposal is approved without
 * a person, only when every grant it adds fits one pattern, the org ceiling holds it, and the
 * checks found nothing above `info`. The approval is an ordinary one by `auto (<pattern>)`.
 *
 * @module
 */

import { join } from "node:path";
import { parse } from "yaml";
import { globWithin, hostMatches, parseHostPattern } from "../../proxy/policy/mod.ts";
import type { Finding } from "../../proxy/policy_local/mod.ts";
import type { AuthorityGrant } from "../authority/mod.ts";
import { type ApprovalScope, DEFAULT_LEASE_MS, parseDuration } from "./approval_scope.ts";
import { AUTO_APPROVE_FILE } from "../client/mod.ts";

/** One named pattern of `auto_approve.yaml`. */
export interface AutoPattern {
  /** Named in `Approved-By: auto (<name>)`. */
  name: string;
  /** Host names or patterns (`*.example.com`) a grant's host must equal or match. */
  hosts: string[];
  /** Allowed ports. */
  ports: number[];
  /** Allowed methods (upper-case); an L4 grant never fits a pattern with methods. */
  methods?: string[];
  /** Path globs an L7 grant's path must match (the grant's pattern taken literally). */
  paths?: string[];
  /** Binary globs a grant's binary must match (`*` in a grant = any binary: never fits). */
  binaries: string[];
  /** The widest scope given (`lease` by default; `durable` only when written). */
  maxScope: ApprovalScope["scope"];
  /** The lease length given, in ms (1 h by default). */
  leaseMs: number;
}

/**
 * Read the patterns; none when the file is missing.
 *
 * @throws {Error} when the file exists but does not follow the schema (no auto-approval then)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readAutoPatterns } from "./auto_approve.ts";
 * const dir = await Deno.makeTempDir();
 * assert.deepEqual(await readAutoPatterns(dir), []); // no file: nothing is auto-approved
 * await Deno.writeTextFile(`${dir}/auto_approve.yaml`, "version: 1\npatterns: []\n");
 * assert.deepEqual(await readAutoPatterns(dir), []);
 * await Deno.writeTextFile(`${dir}/auto_approve.yaml`, "version: 2\n");
 * await assert.rejects(readAutoPatterns(dir));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readAutoPatterns(policiesDir: string, file?: string): Promise<AutoPattern[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(file ?? join(policiesDir, AUTO_APPROVE_FILE));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return parseAutoPatterns(text);
}

const strings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === "string" && x !== "");

/**
 * Parse `auto_approve.yaml` text.
 *
 * @throws {SyntaxError} naming the first problem
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAutoPatterns } from "./auto_approve.ts";
 * const [p] = parseAutoPatterns("version: 1\npatterns:\n  - name: docs\n    hosts: [docs.example.com]\n    ports: [443]\n    methods: [GET]\n    paths: ['/**']\n    binaries: [/usr/bin/curl]\n");
 * assert(p!.maxScope === "lease" && p!.leaseMs === 3_600_000);
 * ```
 */
export function parseAutoPatterns(text: string): AutoPattern[] {
  const doc = parse(text) as { version?: unknown; patterns?: unknown } | null;
  if (doc?.version !== 1 || !Array.isArray(doc.patterns)) {
    throw new SyntaxError(`${AUTO_APPROVE_FILE}: needs "version: 1" and a "patterns" list`);
  }
  return doc.patterns.map((raw: Record<string, unknown>, i: number) => {
    const at = `${AUTO_APPROVE_FILE}: patterns[${i}]`;
    const { name, hosts, ports, methods, paths, binaries, max_scope, lease } = raw ?? {};
    if (typeof name !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw new SyntaxError(`${at}: name must be 1 to 64 letters, digits, '_', '.' or '-'`);
    }
    if (!strings(hosts) || !strings(binaries)) {
      throw new SyntaxError(`${at}: hosts and binaries must be lists of strings`);
    }
    if (!Array.isArray(ports) || !ports.every((p) => Number.isInteger(p))) {
      throw new SyntaxError(`${at}: ports must be a list of port numbers`);
    }
    if ((methods !== undefined && !strings(methods)) || (paths !== undefined && !strings(paths))) {
      throw new SyntaxError(`${at}: methods and paths must be lists of strings`);
    }
    const scope = max_scope ?? "lease";
    if (!["once", "lease", "session", "durable"].includes(String(scope))) {
      throw new SyntaxError(`${at}: max_scope must be once, lease, session or durable`);
    }
    return {
      name,
      hosts,
      ports: ports as number[],
      ...(methods ? { methods: methods.map((m) => m.toUpperCase()) } : {}),
      ...(paths ? { paths } : {}),
      binaries,
      maxScope: scope as AutoPattern["maxScope"],
      leaseMs: lease === undefined ? DEFAULT_LEASE_MS : parseDuration(String(lease)),
    };
  });
}

function grantFits(p: AutoPattern, g: AuthorityGrant): boolean {
  if (!p.ports.includes(g.port) || g.binary === "*") return false;
  // Every binary and path the grant's glob matches must be one the pattern matches: the
  // glob's text alone fits too often (`**` is one segment of text, so `/a/**` fit `/a/*`).
  if (!globWithin(g.binary, p.binaries)) return false;
  if (!p.hosts.some((h) => hostFits(h, g.host))) return false;
  // An L4 grant opens the whole connection: only a pattern without methods or paths allows it.
  if (g.layer === "l4") return p.methods === undefined && p.paths === undefined;
  const methodOk = p.methods === undefined
    ? g.method !== "*"
    : g.method !== "*" && p.methods.includes(g.method!);
  // `/a/**` fits `/a/**` or `/**`, never `/a/*`.
  const pathOk = p.paths === undefined || globWithin(g.path!, p.paths);
  return methodOk && pathOk;
}

function hostFits(pattern: string, host: string): boolean {
  if (pattern.toLowerCase() === host) return true;
  // A grant on a host pattern fits only the very same pattern.
  if (host.includes("*")) return false;
  return hostMatches(parseHostPattern(pattern.toLowerCase()), host);
}

/**
 * The pattern that approves a proposal, or undefined (a person decides): the checks found
 * nothing above `info` and every added grant fits that one pattern. An empty delta is never
 * auto-approved (there is nothing to grant).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matchAutoPattern } from "./auto_approve.ts";
 * assert.equal(matchAutoPattern([], [], []), undefined);
 * ```
 */
export function matchAutoPattern(
  patterns: readonly AutoPattern[],
  added: readonly AuthorityGrant[],
  findings: readonly Finding[],
): AutoPattern | undefined {
  if (added.length === 0 || findings.some((f) => f.severity !== "info")) return undefined;
  return patterns.find((p) => added.every((g) => grantFits(p, g)));
}

/**
 * The scope a pattern approves with: a lease of the pattern's length (the default), or the
 * pattern's `max_scope` when that is narrower (`once`, `session`) or explicitly `durable`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { autoScope } from "./auto_approve.ts";
 * assert.equal(autoScope({ maxScope: "lease", leaseMs: 5 } as never).scope, "lease");
 * ```
 */
export function autoScope(p: AutoPattern): ApprovalScope {
  if (p.maxScope === "lease") return { scope: "lease", forMs: p.leaseMs };
  return { scope: p.maxScope };
}
