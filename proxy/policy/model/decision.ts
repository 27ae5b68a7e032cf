/**
 * The verdict of `decide()`: the one value the 403 body, the OCSF event and the CLI line all
 * render, with the missing rule named on a denial.
 *
 * @module
 */

/** The rule the agent would need, named in a denial (`rule_missing` in the 403 body). */
export interface RuleMissing {
  /**
   * `rest_allow`, `graphql_allow`, `mcp_allow` or `json_rpc_allow` for an L7 denial,
   * `l4_allow` for L4.
   */
  type: "rest_allow" | "graphql_allow" | "mcp_allow" | "json_rpc_allow" | "l4_allow";
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
  /** The MCP call that would need an allow rule (`mcp_allow`). */
  mcp?: McpCallSummary;
  /** The JSON-RPC call that would need an allow rule (`json_rpc_allow`): its method. */
  json_rpc?: McpCallSummary;
}

/** An MCP (JSON-RPC) call as a denial names it. */
export interface McpCallSummary {
  /** The JSON-RPC method, when it is printable ASCII (at most 128 characters). */
  method?: string;
  /** The `tools/call` tool name, when it has the strict tool-name shape. */
  tool?: string;
}

/** The JSON-RPC calls an MCP or JSON-RPC endpoint judged in one request (logs render them). */
export interface RpcCallsSummary {
  /** The endpoint kind that judged them. */
  protocol: "mcp" | "json-rpc";
  /** Each call of the body, in order (at most 20; the rest are counted in `more`). */
  calls: McpCallSummary[];
  /** How many calls past the first 20 were judged too. */
  more?: number;
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
  /** For an L7 decision by an MCP endpoint: the call it names (the refused one). */
  mcp?: McpCallSummary;
  /** For an L7 decision by a JSON-RPC endpoint: the call it names (the refused one). */
  jsonRpc?: McpCallSummary;
  /** For an L7 decision by MCP or JSON-RPC endpoints: every call the body made. */
  rpc?: RpcCallsSummary;
  /** Present on denials. */
  ruleMissing?: RuleMissing;
  /**
   * The once-scoped rule key this final allow rests on alone: the caller must mark it spent
   * before it decides another request.
   */
  once?: string;
  /**
   * More once-scoped rules this allow uses up: those that alone allow a method an override
   * header names (`X-HTTP-Method-Override: DELETE` on a POST), spent with `once`.
   */
  overrideOnce?: string[];
  /**
   * For an allowed L7 REST decision: the query keys (lower case) of the rules on its method
   * and path that judge a `query`. Frameworks merge a body's form or JSON fields into the same
   * parameters (Rails, Laravel, PHP's `$_REQUEST`), so the transport refuses a body holding a
   * field read as one of them: the rule never saw it.
   */
  queryKeys?: string[];
  /**
   * For an allowed L7 decision on a path a `protocol: websocket` endpoint judges: once upgraded,
   * the transport reads the client's frames and decides each text message as `WEBSOCKET_TEXT`
   * (see `RequestFacts.websocketMessage`) before it goes upstream.
   */
  websocket?: boolean;
}
