/**
 * The shape of a compiled policy: an index from host and port to grants, each grant one
 * endpoint of one rule with its matchers built. Produced by `compilePolicy()`, read by
 * `decide()`; other modules should treat it as opaque.
 *
 * @module
 */

import type { GlobMatcher } from "../glob/mod.ts";
import type { HostPattern } from "../host/mod.ts";
import type { KeyNames } from "../path/mod.ts";
import type { Endpoint, Enforcement, GraphqlMatch, Policy } from "./types.ts";
import type { RuleLease } from "./rule_leases.ts";

/** One compiled query matcher: a parameter, the names an origin may read it as, its globs. */
export interface CompiledQueryKey {
  /** The parameter's name as the rule spells it. */
  key: string;
  /** The key's name as a {@linkcode KeyNames}, built once when the policy compiles. */
  names: KeyNames;
  /** Globs, any of which may match a value. */
  globs: GlobMatcher[];
}

/** Compiled query matchers, one per parameter the rule names. */
export type CompiledQuery = CompiledQueryKey[];

/** One compiled allow or deny matcher: methods (upper-case; `*` = any), path, query. */
export interface CompiledMatch {
  /** The matcher names method `*`. */
  anyMethod: boolean;
  /** Upper-case methods matched (ignored when `anyMethod`); GET brings HEAD along. */
  methods: ReadonlySet<string>;
  /** Path glob over the canonical path; for a deny matcher, over the lower-cased path. */
  path: GlobMatcher;
  /** Query matchers, when the rule has any. */
  query?: CompiledQuery;
}

/** The binaries of a rule: exact paths in a set, globs as predicates, or any binary. */
export interface BinaryMatcher {
  /** The rule lists no binaries: any binary matches (OpenShell #2499). */
  any?: boolean;
  /** Exact executable paths. */
  exact: ReadonlySet<string>;
  /** Compiled binary globs. */
  globs: GlobMatcher[];
}

/** One compiled GraphQL operation matcher. */
export interface CompiledGraphqlMatch {
  /** Lower-case operation type, or `*` for any. */
  type: string;
  /** Operation-name glob, when the matcher names one. */
  name?: GlobMatcher;
  /** Root-field globs, when the matcher lists fields. */
  fields?: GlobMatcher[];
}

/** The GraphQL side of a `protocol: graphql` endpoint. */
export interface CompiledGraphql {
  /** Allow matchers (presets expanded). */
  allow: CompiledGraphqlMatch[];
  /** Deny matchers. */
  deny: CompiledGraphqlMatch[];
  /** `persisted_queries: allow_registered`. */
  allowRegistered: boolean;
  /** The trusted persisted-query registry. */
  registry: ReadonlyMap<string, GraphqlMatch>;
  /** Largest request body buffered for inspection. */
  maxBodyBytes: number;
}

/** One compiled MCP call matcher. */
export interface CompiledMcpMatch {
  /** Matches the JSON-RPC method. */
  method: GlobMatcher;
  /** Matches `params.name` of a `tools/call`, when the matcher names a tool. */
  tool?: GlobMatcher;
}

/** The JSON-RPC side of a `protocol: mcp` or `protocol: json-rpc` endpoint. */
export interface CompiledMcp {
  /** Which protocol of the JSON-RPC family the endpoint speaks. */
  kind: "mcp" | "json-rpc";
  /** Allow matchers. */
  allow: CompiledMcpMatch[];
  /** Deny matchers. */
  deny: CompiledMcpMatch[];
  /** `mcp.allow_all_known_mcp_methods`: any call no allow rule narrows is allowed. */
  allowAll: boolean;
  /** Some allow rule names a tool: `tools/call` is then allowed only by such a rule. */
  narrowsTools: boolean;
  /** `mcp.strict_tool_names` (default true). */
  strictToolNames: boolean;
  /** Largest request body buffered for inspection. */
  maxBodyBytes: number;
}

/** One endpoint of one rule, with everything `decide()` needs precompiled. */
export interface Grant {
  /** The `network_policies` key of the rule. */
  ruleKey: string;
  /** The endpoint as validated. */
  endpoint: Endpoint;
  /** Undefined for a host-less endpoint (matched through `allowed_ips`). */
  host?: HostPattern;
  /** `protocol: rest`, even with `tls: skip` (ignored there, with a warning). */
  l7: boolean;
  /** Endpoint enforcement, defaulted to `enforce`. */
  enforcement: Enforcement;
  /** Allow matchers, presets expanded. */
  allow: CompiledMatch[];
  /** Deny matchers. */
  deny: CompiledMatch[];
  /** The endpoint's `allowed_ips` (empty when none). */
  allowedIps: string[];
  /** The endpoint's `allow_encoded_slash`. */
  allowEncodedSlash: boolean;
  /** The rule's binaries. */
  binaries: BinaryMatcher;
  /** The endpoint's `path`, when it narrows which requests its L7 rules judge. */
  path?: GlobMatcher;
  /**
   * That `path` lower-cased, matched as deny paths are: on a GraphQL, MCP or JSON-RPC endpoint
   * (or a GraphQL-over-WebSocket one), whose body (or message) judgement an origin routing
   * `/MCP` or `/mcp/` to `/mcp` must not skip
   * (`_judged_path.ts`).
   */
  pathRead?: GlobMatcher;
  /** Present on a `protocol: graphql` endpoint: its operations are judged, not its paths. */
  graphql?: CompiledGraphql;
  /**
   * Present on a `protocol: websocket` endpoint with GraphQL rules: each client message is read
   * as GraphQL over WebSocket and its operation judged (its GET still judges the upgrade).
   */
  graphqlWs?: CompiledGraphql;
  /** Present on a `protocol: mcp` endpoint: its JSON-RPC calls are judged, not its paths. */
  mcp?: CompiledMcp;
  /** The rule's lease (once, lease, session), when it is not durable. */
  lease?: RuleLease;
}

/** Grant lists by key, compiled when first asked for (see `policy_plan.ts`). */
export interface GrantLookup<K> {
  /** The grants under `key`, in rule-key order, or undefined when there are none. */
  get(key: K): readonly Grant[] | undefined;
  /** True when some grant is under `key` (compiles nothing). */
  has(key: K): boolean;
}

/** A policy compiled for `decide()`. Treat the index as opaque; it may change shape. */
export interface CompiledPolicy {
  /** The validated policy this was compiled from. */
  readonly policy: Policy;
  /** Number of `network_policies` entries. */
  readonly ruleCount: number;
  /**
   * `host:port` → grants, for exact hosts.
   *
   * @internal
   */
  readonly exact: GrantLookup<string>;
  /**
   * `suffix:port` → grants, for `*.suffix` and `**.suffix` hosts.
   *
   * @internal
   */
  readonly wildcard: GrantLookup<string>;
  /**
   * Label counts of the wildcard suffixes present, so lookups skip impossible suffixes.
   *
   * @internal
   */
  readonly wildcardDepths: ReadonlySet<number>;
  /**
   * port → grants, for host-less endpoints.
   *
   * @internal
   */
  readonly hostless: GrantLookup<number>;
}
