/**
 * Tollgate's public library API: named re-exports of each module's `mod.ts`.
 *
 * @module
 */

export * as gateway from "./gateway/mod.ts";
export * as ocsf from "./proxy/ocsf/mod.ts";
export * as policy from "./proxy/policy/mod.ts";
export * as policyLocal from "./proxy/policy_local/mod.ts";
export * as proxy from "./proxy/mod.ts";
export * as sandbox from "./proxy/sandbox/mod.ts";
