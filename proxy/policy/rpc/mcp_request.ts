/**
 * JSON-RPC over HTTP as a policy reads it (OpenShell's `l7/jsonrpc.rs`, in MCP or generic
 * mode): a POST body
 * holding one JSON-RPC message or a batch, each a call (request or notification: its
 * `method`, and for `tools/call` its `params.name`) or a response frame; or the body-less GET
 * of a streamable-HTTP receive stream. Anything malformed is an error, and an error denies
 * even in audit mode. Generic mode reads the envelope and `method` only (OpenShell leaves its
 * `id` and `params` unchecked and matches no params); MCP mode types calls as MCP does.
 *
 * @module
 */

import { parseStrictJson } from "./_strict_json.ts";

/** One JSON-RPC call a request makes. */
export interface McpCall {
  /** The JSON-RPC `method`, decoded. */
  method: string;
  /** `params.name` of a `tools/call`, decoded. */
  tool?: string;
}

/** What an MCP request asks for: its calls, or why it cannot be judged. */
export interface McpRequestInfo {
  /** Every call in the body (a batch has several); none for responses and receive streams. */
  calls: McpCall[];
  /** The body was a JSON array. */
  batch: boolean;
  /** A body-less GET accepting `text/event-stream` (the server-to-client stream). */
  receiveStream: boolean;
  /** The body holds a response frame (an answer to a server-initiated request). */
  hasResponse: boolean;
  /** Set when the request is malformed; it is then refused. */
  error?: string;
}

/** The parts of an HTTP request the classifier reads. */
export interface McpHttpRequest {
  /** HTTP method as sent. */
  method: string;
  /** The `Accept` header values, joined. */
  accept?: string;
  /** The whole request body, when it has one. */
  body?: Uint8Array;
}

/** Default `mcp.max_body_bytes`: the largest body buffered for inspection (64 KiB). */
export const MCP_DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** OpenShell's strict tool-name shape (`mcp.strict_tool_names`, on by default). */
export const STRICT_TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

type Message = { call: McpCall } | { response: true } | { error: string };

/** How a body is read: as MCP messages, or as generic JSON-RPC 2.0 (`protocol: json-rpc`). */
export type JsonRpcMode = "mcp" | "json-rpc";

/**
 * Classify an MCP-over-HTTP request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyMcpRequest } from "./mcp_request.ts";
 * const body = new TextEncoder().encode(
 *   '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{}}}',
 * );
 * assert.deepEqual(classifyMcpRequest({ method: "POST", body }).calls, [
 *   { method: "tools/call", tool: "search" },
 * ]);
 * assert.equal(classifyMcpRequest({ method: "POST" }).error, "invalid JSON");
 * ```
 */
export function classifyMcpRequest(
  request: McpHttpRequest,
  mode: JsonRpcMode = "mcp",
): McpRequestInfo {
  const info: McpRequestInfo = {
    calls: [],
    batch: false,
    receiveStream: false,
    hasResponse: false,
  };
  const empty = request.body === undefined || request.body.byteLength === 0;
  if (request.method.toUpperCase() === "GET" && empty && acceptsEventStream(request.accept)) {
    info.receiveStream = true;
    return info;
  }
  const parsed = parseStrictJson(request.body ?? new Uint8Array());
  if ("error" in parsed) return { ...info, error: parsed.error };
  const value = parsed.value;
  const read = (item: unknown) => readMessage(item, mode);
  if (!Array.isArray(value)) return gather(info, [read(value)], "");
  info.batch = true;
  if (value.length === 0) return { ...info, error: "empty batch" };
  return gather(info, value.map(read), "batch item invalid: ");
}

function gather(info: McpRequestInfo, messages: Message[], prefix: string): McpRequestInfo {
  for (const m of messages) {
    if ("error" in m) return { ...info, calls: [], hasResponse: false, error: prefix + m.error };
    if ("response" in m) info.hasResponse = true;
    else info.calls.push(m.call);
  }
  return info;
}

function acceptsEventStream(accept: string | undefined): boolean {
  return (accept ?? "").split(",").some((part) =>
    part.split(";")[0]!.trim().toLowerCase() === "text/event-stream"
  );
}

function readMessage(value: unknown, mode: JsonRpcMode): Message {
  const m = isObject(value) ? value : {};
  if (typeof m.jsonrpc !== "string") return { error: "missing or non-string 'jsonrpc' field" };
  if (m.jsonrpc !== "2.0") return { error: `unsupported JSON-RPC version` };
  const hasMethod = "method" in m;
  const response = "result" in m || "error" in m;
  if (hasMethod && response) {
    return { error: "JSON-RPC message includes both method and result/error" };
  }
  if (response) return readResponse(m);
  if (typeof m.method !== "string" || m.method === "") {
    return { error: "missing or non-string 'method' field" };
  }
  return mode === "mcp" ? readCall(m, m.method) : { call: { method: m.method } };
}

function readResponse(m: Record<string, unknown>): Message {
  if ("result" in m && "error" in m) {
    return { error: "JSON-RPC response includes both result and error" };
  }
  if (!("id" in m)) return { error: "JSON-RPC response missing id" };
  const id = m.id;
  if (!(typeof id === "string" || typeof id === "number" || id === null)) {
    return { error: "JSON-RPC response id must be string, number, or null" };
  }
  if ("error" in m && !isObject(m.error)) {
    return { error: "JSON-RPC response error must be an object" };
  }
  return { response: true };
}

// MCP typing, as tower-mcp-types reads it before OpenShell's policy: a request's id is a
// string or a number, params (when present) structured, and a tools/call names its tool.
function readCall(m: Record<string, unknown>, method: string): Message {
  const request = "id" in m;
  const what = request ? "request" : "notification";
  if (request && typeof m.id !== "string" && typeof m.id !== "number") {
    return { error: `invalid MCP request: id must be a string or a number` };
  }
  const params = m.params;
  if (params !== undefined && params !== null && typeof params !== "object") {
    return { error: `invalid MCP ${what}: params must be an object or an array` };
  }
  // A tools/call without an id is read as a call too (OpenShell reads no tool from it): a
  // lenient server may still run it, and a deny on its tool must fire.
  if (method !== "tools/call") return { call: { method } };
  const name = isObject(params) ? params.name : undefined;
  if (typeof name !== "string") {
    return { error: `invalid MCP ${what} params: tools/call needs a string params.name` };
  }
  return { call: { method, tool: name } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
