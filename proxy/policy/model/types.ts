/**
 * The validated policy file shape (`Policy` and its parts) and its validation issues. The
 * facts a request brings are in `request_facts.ts`, the verdict in `decision.ts`.
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

/**
 * One JSON-RPC call matcher, as written under `rules[].allow` or `deny_rules[]` of a
 * `protocol: mcp` endpoint (`tool` is OpenShell's shorthand for `params: {name}`) or of a
 * `protocol: json-rpc` one (`method` only: an exact name or `*`).
 */
export interface McpMatch {
  /** JSON-RPC method (`tools/call`); a glob only inside `tools/`. Omitted: the method profile. */
  method?: string;
  /** `tools/call` tool-name matcher (`params.name`). */
  tool?: QueryMatcherSpec;
  /** `{name: matcher}`: the same as `tool`, OpenShell's long form. */
  params?: { name: QueryMatcherSpec };
}

/** The `mcp:` stanza of a `protocol: mcp` endpoint. */
export interface McpOptions {
  /** Largest request body buffered for inspection (default 65,536 bytes). */
  max_body_bytes?: number;
  /** `tools/call` names must match `^[A-Za-z0-9_.-]{1,128}$` (default true). */
  strict_tool_names?: boolean;
  /** Allow any MCP method a rule does not narrow (a rule may then omit `method`). */
  allow_all_known_mcp_methods?: boolean;
}

/** The `json_rpc:` stanza of a `protocol: json-rpc` endpoint (an MCP endpoint's cap fallback). */
export interface JsonRpcOptions {
  /** Largest request body buffered for inspection (default 65,536 bytes). */
  max_body_bytes?: number;
}

/**
 * One entry of `rules`: a REST matcher, or a GraphQL one on a `protocol: graphql` endpoint,
 * or an MCP one on a `protocol: mcp` endpoint.
 */
export type AllowRule = { allow: L7Match } | { allow: GraphqlMatch } | { allow: McpMatch };

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
   * operations, `mcp` judges MCP calls, `json-rpc` JSON-RPC calls by method; `tcp` or omitted
   * means L4; `websocket` judges the upgrade `GET` by its rules, then each client text message
   * as `WEBSOCKET_TEXT` on the upgrade's path and query.
   */
  protocol?: "rest" | "websocket" | "graphql" | "mcp" | "json-rpc" | "tcp";
  /** `enforce` (default) or `audit` (log would-be denials, allow them). */
  enforcement?: Enforcement;
  /**
   * Method preset on every path (exclusive with `rules`). `allow` is kept as written but
   * grants nothing (OpenShell ignores an unknown preset, with a warning).
   */
  access?: AccessPreset | "allow";
  /** Explicit allow matchers (exclusive with `access`); GraphQL ones on a `graphql` endpoint. */
  rules?: AllowRule[];
  /** Deny matchers; a match beats any allow. GraphQL or MCP ones on such an endpoint. */
  deny_rules?: (L7Match | GraphqlMatch | McpMatch)[];
  /** GraphQL hash-only persisted queries: `deny` (default) or `allow_registered`. */
  persisted_queries?: "deny" | "allow_registered";
  /** Trusted persisted-query registry: hash or saved-query id → the operation it runs. */
  graphql_persisted_queries?: Record<string, GraphqlMatch>;
  /** Largest GraphQL request body buffered for inspection (default 65,536 bytes). */
  graphql_max_body_bytes?: number;
  /** MCP inspection options (`protocol: mcp` only). */
  mcp?: McpOptions;
  /** JSON-RPC inspection options (`protocol: json-rpc`; an MCP endpoint's cap fallback). */
  json_rpc?: JsonRpcOptions;
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
