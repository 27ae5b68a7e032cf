/**
 * Readers of API request bodies: GraphQL documents and requests, MCP/JSON-RPC calls, over one
 * strict JSON reader. They read bytes into facts and judge nothing.
 *
 * @module
 */

export type { GraphqlOperation } from "./graphql_document.ts";
export { classifyGraphqlRequest, GRAPHQL_DEFAULT_MAX_BODY_BYTES } from "./graphql_request.ts";
export type { GraphqlHttpRequest, GraphqlRequestInfo } from "./graphql_request.ts";
export { classifyGraphqlWsMessage } from "./graphql_ws_message.ts";
export type { GraphqlWsMessage } from "./graphql_ws_message.ts";
export { classifyMcpRequest, MCP_DEFAULT_MAX_BODY_BYTES, STRICT_TOOL_NAME } from "./mcp_request.ts";
export type { JsonRpcMode, McpCall, McpHttpRequest, McpRequestInfo } from "./mcp_request.ts";
