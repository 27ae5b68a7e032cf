/**
 * The policy model shared by every stage: the validated file shape (`Policy`), the facts a
 * request brings (`RequestFacts`) and the verdict (`Decision`).
 *
 * @module
 */

/** An L7 access preset: read-only = GET/HEAD/OPTIONS, read-write adds POST/PUT/PATCH, full = any. */
export type AccessPreset = "read-only" | "read-write" | "full";

/** How an endpoint enforces its L7 rules. Tollgate defaults to `enforce` (OpenShell: audit). */
export type Enforcement = "enforce" | "audit";

import type { GraphqlRequestInfo } from "./graphql_request.ts";

/** A query-value matcher as written in a file: a glob, `{glob}` or `{any: [globs]}`. */
export type QueryMatcherSpec = string | { glob: string } | { any: string[] };

/** One L7 method + path (+ query) matcher, as written under `rules[].allow` or `deny_rules[]`. */
export interface L7Match {
  /** HTTP method or `*`; compared case-insensitively. */
  method: string;
  /** Path glob: `*` inside one segment, `**` across `/`. */
  path: string;
  /** Query key → matcher; every listed key must be present (allow) or any value matches (deny). */
  query?: Record<string, QueryMatcherSpec>;
}

/**
 * One GraphQL operation matcher, as written under `rules[].allow`, `deny_rules[]` or a
 * `graphql_persisted_queries` entry of a `protocol: graphql` endpoint.
 */
export interface GraphqlMatch {
  /** `query`, `mutation`, `subscription` or `*` (any). */
  operation_type: string;
  /** Operation-name glob; omitted matches any name. */
  operation_name?: string;
  /**
   * Root-field globs. Allow: every selected root field must match one. Deny: any matching
   * root field denies. Omitted matches every operation.
   */
  fields?: string[];
}

/** One entry of `rules`: a REST matcher, or a GraphQL one on a `protocol: graphql` endpoint. */
export type AllowRule = { allow: L7Match } | { allow: GraphqlMatch };

/** One endpoint of a rule, exactly the keys a policy file may hold. */
export interface Endpoint {
  /** Exact host (case-insensitive), IP literal, or `*.`/`**.` wildcard; omitted only with `allowed_ips`. */
  host?: string;
  /** One port (exclusive with `ports`). */
  port?: number;
  /** Several ports (exclusive with `port`). */
  ports?: number[];
  /**
   * Optional path glob that narrows which requests this endpoint's L7 rules judge, so one
   * host:port can carry several L7 endpoints (OpenShell's endpoint `path`).
   */
  path?: string;
  /**
   * `rest` makes the endpoint L7 (needs `access` or `rules`), `graphql` judges GraphQL
   * operations; `tcp` or omitted means L4.
   */
  protocol?: "rest" | "graphql" | "tcp";
  /** `enforce` (default) or `audit` (log would-be denials, allow them). */
  enforcement?: Enforcement;
  /**
   * Method preset on every path (exclusive with `rules`). `allow` is kept as written but
   * grants nothing (OpenShell ignores an unknown preset, with a warning).
   */
  access?: AccessPreset | "allow";
  /** Explicit allow matchers (exclusive with `access`); GraphQL ones on a `graphql` endpoint. */
  rules?: AllowRule[];
  /** Deny matchers; a match beats any allow. GraphQL ones on a `graphql` endpoint. */
  deny_rules?: (L7Match | GraphqlMatch)[];
  /** GraphQL hash-only persisted queries: `deny` (default) or `allow_registered`. */
  persisted_queries?: "deny" | "allow_registered";
  /** Trusted persisted-query registry: hash or saved-query id → the operation it runs. */
  graphql_persisted_queries?: Record<string, GraphqlMatch>;
  /** Largest GraphQL request body buffered for inspection (default 65,536 bytes). */
  graphql_max_body_bytes?: number;
  /**
   * `skip`: never terminate TLS (on an L4 endpoint; ignored, with a warning, on an L7 one).
   * `terminate` and `passthrough` are OpenShell's deprecated no-ops, accepted with a warning.
   */
  tls?: "skip" | "terminate" | "passthrough";
  /** CIDRs this endpoint may reach even though they are private. */
  allowed_ips?: string[];
  /** Keep `%2F` in paths instead of rejecting them. */
  allow_encoded_slash?: boolean;
}

/** A binary a rule grants access to: an absolute path or a glob over `/`-separated segments. */
export interface BinaryRef {
  /** Absolute path or glob (`*` one segment, `**` across `/`). */
  path: string;
}

/** One entry of `network_policies`, keyed by its rule key. */
export interface NetworkRule {
  /** Display name; the rule key is what logs and decisions report. */
  name?: string;
  /** Where the binaries may connect (non-empty). */
  endpoints: Endpoint[];
  /** Who may connect (non-empty when present); absent means any binary (OpenShell #2499). */
  binaries?: BinaryRef[];
}

/** A validated policy file. Static sections are kept as validated plain data. */
export interface Policy {
  /** Schema version; always 1. */
  version: 1;
  /** Tollgate's revision counter, bumped by every approval; absent in the file means 0. */
  revision: number;
  /** Rule key → rule; the only section a reload changes. */
  network_policies: Record<string, NetworkRule>;
  /** Paths the sandbox may read or write (static; enforced by the sandbox runner). */
  filesystem_policy?: {
    /** Add the working directory to `read_write`. */
    include_workdir?: boolean;
    /** Absolute paths readable by the sandbox. */
    read_only?: string[];
    /** Absolute paths writable by the sandbox. */
    read_write?: string[];
  };
  /** Landlock settings (static). */
  landlock?: { compatibility?: "best_effort" | "hard_requirement" };
  /** The user and group the sandboxed process runs as (static; never root). */
  process?: { run_as_user?: string; run_as_group?: string };
}

/** One validation problem, with the 1-based position in the source when known. */
export interface PolicyIssue {
  /** The file as the caller named it. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
  /** Sentence-case message, values quoted. */
  message: string;
}

/** Who is asking: the requester's executable and its ancestors' (nearest first). */
export interface RequesterIdentity {
  /** Resolved executable path of the connecting process. */
  exe: string;
  /** Executables of its ancestors, nearest first. */
  ancestors: string[];
  /** Process id, when known (for logs). */
  pid?: number;
}

/**
 * What a request brings to `decide()`. Without `method` it is an L4 (host:port) question;
 * with `method` and a canonical `path` it is an L7 question.
 */
export interface RequestFacts {
  /** Lower-case host name or IP literal, no brackets, no port. */
  host: string;
  /** Destination port. */
  port: number;
  /**
   * Every address `host` resolved to, when the transport looked it up before deciding. A
   * host-less `allowed_ips` endpoint matches a host name only through these (all must lie in
   * its `allowed_ips`); the transport must then connect only to these addresses.
   */
  addresses?: string[];
  /** Undefined when the requester could not be identified: such a request is denied. */
  identity?: RequesterIdentity;
  /** Why identity resolution failed, when it did (goes into the deny reason). */
  identityError?: string;
  /** HTTP method as sent; present only for an L7 question. */
  method?: string;
  /** Canonical path (see `canonicalizePath()`), without the query. */
  path?: string;
  /** Raw query string without the leading `?` (never logged or echoed). */
  query?: string;
  /**
   * Methods named by `X-HTTP-Method-Override`, `X-HTTP-Method` or `X-Method-Override`: the
   * origin may act as any of them, so each must be allowed as well as `method`.
   */
  methodOverrides?: string[];
  /**
   * The classified GraphQL request (see `classifyGraphqlRequest()`), for a request a
   * `protocol: graphql` endpoint judges; without it such a request is denied.
   */
  graphql?: GraphqlRequestInfo;
  /**
   * The time of the request (epoch ms): a leased rule allows only before its expiry, and
   * without `now` it allows nothing.
   */
  now?: number;
  /** The sandbox id the request comes from: a session-scoped rule serves only its own. */
  sandbox?: string;
  /** True for a once-scoped rule key whose one request this proxy has already allowed. */
  spent?: (ruleKey: string) => boolean;
}

/** The rule the agent would need, named in a denial (`rule_missing` in the 403 body). */
export interface RuleMissing {
  /** `rest_allow` or `graphql_allow` for an L7 denial, `l4_allow` for an L4 one. */
  type: "rest_allow" | "graphql_allow" | "l4_allow";
  /** Layer of the denial. */
  layer: "l4" | "l7";
  /** Method that would need an allow rule (L7). */
  method?: string;
  /** Canonical path that would need an allow rule (L7). */
  path?: string;
  /** Destination host. */
  host: string;
  /** Destination port. */
  port: number;
  /** The requester's executable. */
  binary?: string;
  /** The GraphQL operation that would need an allow rule (`graphql_allow`). */
  operation?: GraphqlOperationSummary;
}

/** A GraphQL operation as a denial names it. */
export interface GraphqlOperationSummary {
  /** `query`, `mutation`, `subscription`, or empty for an unregistered persisted query. */
  operation_type: string;
  /** The operation's name, when it is a GraphQL name. */
  operation_name?: string;
  /** Root fields selected. */
  fields: string[];
}

/** The one verdict that the 403 body, the OCSF event and the CLI line all render. */
export interface Decision {
  /** Allow or deny. */
  verdict: "allow" | "deny";
  /** Which question was answered: host:port (l4) or one HTTP request (l7). */
  layer: "l4" | "l7";
  /** Human-readable reason, e.g. `PUT /x not permitted by policy`. */
  reason: string;
  /** Rule key that matched (allow) or was closest (deny); absent when none. */
  policy?: string;
  /** True when the request was allowed only because the endpoint is in audit mode. */
  audit?: boolean;
  /**
   * For an allowed L4 decision: true when the matched endpoint is `protocol: rest` (and not
   * `tls: skip`), so the transport must intercept and decide each request at L7.
   */
  inspect?: boolean;
  /** For an allowed L4 decision: CIDRs that let this destination resolve to private addresses. */
  allowedIps?: string[];
  /** For an allowed L4 decision: keep `%2F` in paths (some matched endpoint allows it). */
  allowEncodedSlash?: boolean;
  /**
   * For an allowed L4 decision made on `facts.addresses`: those addresses. The transport
   * connects only to them, so the name cannot resolve elsewhere after the decision.
   */
  addresses?: string[];
  /** Echo of the facts, for the renderers. */
  host: string;
  /** Echo of the destination port. */
  port: number;
  /** Echo of the requester's executable. */
  binary?: string;
  /** Echo of the method (L7). */
  method?: string;
  /** Echo of the canonical path (L7); never the query. */
  path?: string;
  /** For an L7 decision by a GraphQL endpoint: the operation it names (the refused one). */
  graphql?: GraphqlOperationSummary;
  /** Present on denials. */
  ruleMissing?: RuleMissing;
  /**
   * The once-scoped rule key this final allow rests on alone: the caller must mark it spent
   * before it decides another request.
   */
  once?: string;
}
