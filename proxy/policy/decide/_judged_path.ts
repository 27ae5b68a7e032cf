/**
 * Which requests a GraphQL, MCP or JSON-RPC endpoint with a `path` judges: those on its path,
 * and those an origin may route there, read as deny rules read a path (`_deny_readings.ts`: any
 * letter case, a trailing `/` dropped, a Windows spelling). Express's default router runs its
 * `/mcp` handler for `POST /MCP` and `POST /mcp/`; judged only by a REST grant on the host, a
 * `tools/call` the MCP rules deny reached it (tests/hostile_judged_path_test.ts).
 *
 * @module
 */

import type { Grant } from "../model/mod.ts";
import { denyReadings } from "./_deny_readings.ts";

/**
 * How `grant` sees a request on the canonical `path`: `exact` on its path (or it has none),
 * `read` on it only as an origin may read the path, else `off`. A grant that judges no body
 * is never `read`: its `path` stays an exact glob.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy, lookupGrants } from "../compile/mod.ts";
 * import { judgedPath } from "./_judged_path.ts";
 * const compiled = compilePolicy({ version: 1, revision: 0, network_policies: {
 *   m: { endpoints: [{ host: "h", port: 443, path: "/mcp", protocol: "mcp",
 *     rules: [{ allow: { method: "tools/list" } }] }] } } });
 * const [grant] = lookupGrants(compiled, "h", 443);
 * assert.equal(judgedPath(grant!, "/mcp"), "exact");
 * assert.equal(judgedPath(grant!, "/MCP/"), "read");
 * assert.equal(judgedPath(grant!, "/mcp/x"), "off");
 * ```
 */
export function judgedPath(
  grant: Grant,
  path: string,
  readings: () => (string | true)[] = () => denyReadings([path.toLowerCase()]),
): "exact" | "read" | "off" {
  if (!grant.path || grant.path(path)) return "exact";
  const read = grant.pathRead;
  if (read === undefined) return "off";
  return readings().some((p) => p === true || read(p)) ? "read" : "off";
}

/** The grants that judge a request, by how they see its path ({@linkcode grantsOnPath}). */
export interface GrantsOnPath {
  /** On the request's path exactly (or without a `path`): their REST rules judge it. */
  onPath: Grant[];
  /** GraphQL, MCP and JSON-RPC grants on it exactly or as an origin may read it. */
  judging: Grant[];
  /** Some of `judging` is on the path exactly, so only the body judgement decides. */
  exactly: boolean;
}

/**
 * Split the inspecting grants of a request on the canonical `path` (undefined: only grants
 * without a `path` see it) by {@linkcode judgedPath}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy, lookupGrants } from "../compile/mod.ts";
 * import { grantsOnPath } from "./_judged_path.ts";
 * const compiled = compilePolicy({ version: 1, revision: 0, network_policies: {
 *   m: { endpoints: [{ host: "h", port: 443, path: "/mcp", protocol: "mcp",
 *     rules: [{ allow: { method: "tools/list" } }] },
 *     { host: "h", port: 443, protocol: "rest", access: "read-write" }] } } });
 * const grants = [...lookupGrants(compiled, "h", 443)];
 * const seen = grantsOnPath(grants, "/mcp/");
 * assert.deepEqual([seen.onPath.length, seen.judging.length, seen.exactly], [1, 1, false]);
 * ```
 */
export function grantsOnPath(inspected: Grant[], path: string | undefined): GrantsOnPath {
  // The usual case, no endpoint narrowed to a path: every grant is on it, nothing to read.
  if (!inspected.some((g) => g.path)) {
    const judging = inspected.some(judgesBody) ? inspected.filter(judgesBody) : NONE;
    return { onPath: inspected, judging, exactly: judging.length > 0 };
  }
  // The path's readings are the same for every grant: computed once, for the first that asks.
  let readings: (string | true)[] | undefined;
  const read = () => readings ??= denyReadings([path!.toLowerCase()]);
  const seen = inspected.map((g) =>
    path !== undefined ? judgedPath(g, path, read) : g.path ? "off" : "exact"
  );
  const onPath = inspected.filter((_, i) => seen[i] === "exact");
  const judging = inspected.filter((g, i) => seen[i] !== "off" && judgesBody(g));
  return { onPath, judging, exactly: judging.some((g) => onPath.includes(g)) };
}

/** A GraphQL, MCP or JSON-RPC grant: its requests are judged by their body. */
function judgesBody(g: Grant): boolean {
  return g.graphql !== undefined || g.mcp !== undefined;
}

const NONE: Grant[] = [];
