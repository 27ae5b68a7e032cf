/**
 * A request target's path and query: canonicalise a path (and a path pattern) once, parse a
 * query string, and read its keys the ways an upstream might.
 *
 * @module
 */

export { queryReadings } from "./_query_keys.ts";
export type { LooseReading, QueryReading } from "./_query_keys.ts";
export { KeyNames, namesReadAs } from "./key_names.ts";
export { formKeyNamed } from "./form_key_named.ts";
export { canonicalizePath, canonicalizePattern } from "./canonicalize_path.ts";
export type { CanonicalizeOptions, CanonicalPathResult } from "./canonicalize_path.ts";
export { parseQuery, queryProblem } from "./parse_query.ts";
