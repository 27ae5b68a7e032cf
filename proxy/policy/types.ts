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

/** One endpoint of a rule, exactly the keys a policy file may hold. */
export interface Endpoint {
  host?: string;
  port?: number;
  ports?: number[];
  protocol?: "rest";
  enforcement?: Enforcement;
  access?: AccessPreset;
  rules?: { allow: L7Match }[];
  deny_rules?: L7Match[];
  tls?: "skip";
  allowed_ips?: string[];
  allow_encoded_slash?: boolean;
}

/** A binary a rule grants access to: an absolute path or a glob over `/`-separated segments. */
export interface BinaryRef {
  path: string;
}

/** One entry of `network_policies`, keyed by its rule key. */
export interface NetworkRule {
  name?: string;
  endpoints: Endpoint[];
  binaries: BinaryRef[];
}

/** A validated policy file. Static sections are kept as validated plain data. */
export interface Policy {
  /** Schema version; always 1. */
  version: 1;
  /** Tollgate's revision counter, bumped by every approval; absent in the file means 0. */
  revision: number;
  network_policies: Record<string, NetworkRule>;
  filesystem_policy?: {
    include_workdir?: boolean;
    read_only?: string[];
    read_write?: string[];
  };
  landlock?: { compatibility?: "best_effort" | "hard_requirement" };
  process?: { run_as_user?: string; run_as_group?: string };
}

/** One validation problem, with the 1-based position in the source when known. */
export interface PolicyIssue {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** Who is asking: the requester's executable and its ancestors' (nearest first). */
export interface RequesterIdentity {
  exe: string;
  ancestors: string[];
  pid?: number;
}

/**
 * What a request brings to `decide()`. Without `method` it is an L4 (host:port) question;
 * with `method` and a canonical `path` it is an L7 question.
 */
export interface RequestFacts {
  /** Lower-case host name or IP literal, no brackets, no port. */
  host: string;
  port: number;
  /** Undefined when the requester could not be identified: such a request is denied. */
  identity?: RequesterIdentity;
  /** Why identity resolution failed, when it did (goes into the deny reason). */
  identityError?: string;
  method?: string;
  /** Canonical path (see `canonicalizePath()`), without the query. */
  path?: string;
  /** Raw query string without the leading `?` (never logged or echoed). */
  query?: string;
}

/** The rule the agent would need, named in a denial (`rule_missing` in the 403 body). */
export interface RuleMissing {
  type: "rest_allow" | "l4_allow";
  layer: "l4" | "l7";
  method?: string;
  path?: string;
  host: string;
  port: number;
  binary?: string;
}

/** The one verdict that the 403 body, the OCSF event and the CLI line all render. */
export interface Decision {
  verdict: "allow" | "deny";
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
  /** Echo of the facts, for the renderers. */
  host: string;
  port: number;
  binary?: string;
  method?: string;
  path?: string;
  /** Present on denials. */
  ruleMissing?: RuleMissing;
}
