/**
 * The proxy's own answers on an HTTP/2 stream: the structured 403 and JSON errors, with the
 * same bodies as over HTTP/1.1; a gRPC client also gets `grpc-status` and `grpc-message`
 * trailers naming the denial.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { Decision } from "../../policy/mod.ts";
import {
  renderDenyResponse,
  renderDenyText,
  type RenderedResponse,
} from "../../policy_local/mod.ts";
import { DENY_REASON, errorResponse } from "../connection/mod.ts";

// gRPC's PERMISSION_DENIED and INTERNAL status codes.
const GRPC_PERMISSION_DENIED = 7;
const GRPC_INTERNAL = 13;

/**
 * Answer a denied request on its stream (403, JSON; text for git); the session stays open.
 *
 * @param request The request's headers (`user-agent`, `content-type` choose the rendering).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy, decide } from "../../policy/mod.ts";
 * import { h2Exchange } from "../examples/mod.ts";
 * import { respondH2Deny } from "./h2_responses.ts";
 *
 * const compiled = compilePolicy({ version: 1, revision: 0, network_policies: {} });
 * const decision = decide(compiled, { host: "api.test", port: 443, method: "GET", path: "/x" });
 * const skill = "/etc/tollgate/skills/policy_advisor.md";
 * const answer = await h2Exchange((stream) => respondH2Deny(stream, decision, skill, {}));
 * assert.equal(answer.status, 403);
 * assert.equal(JSON.parse(answer.body).rule, "CONNECT api.test:443"); // no rule for the host
 * ```
 */
export function respondH2Deny(
  stream: ServerHttp2Stream,
  decision: Decision,
  skillPath: string,
  request: { "user-agent"?: string; "content-type"?: string },
): void {
  const textOnly = /^git\//i.test(request["user-agent"] ?? "");
  const response = (textOnly ? renderDenyText : renderDenyResponse)(decision, { skillPath });
  respondH2(stream, response, grpcOf(request, GRPC_PERMISSION_DENIED, DENY_REASON));
}

/**
 * Answer a refused request on its stream with `{error, detail}`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "../examples/mod.ts";
 * import { respondH2Error } from "./h2_responses.ts";
 *
 * const answer = await h2Exchange((stream) =>
 *   respondH2Error(stream, 400, "bad_request", "Malformed :method")
 * );
 * assert.equal(answer.status, 400);
 * assert.deepEqual(JSON.parse(answer.body), { error: "bad_request", detail: "Malformed :method" });
 * ```
 */
export function respondH2Error(
  stream: ServerHttp2Stream,
  status: number,
  code: string,
  detail: string,
  request: { "content-type"?: string } = {},
): void {
  const response = errorResponse(status, code, detail);
  respondH2(stream, response, grpcOf(request, GRPC_INTERNAL, detail));
}

interface GrpcStatus {
  status: number;
  message: string;
}

function grpcOf(
  request: { "content-type"?: string },
  status: number,
  message: string,
): GrpcStatus | undefined {
  return /^application\/grpc/i.test(request["content-type"] ?? "")
    ? { status, message }
    : undefined;
}

function respondH2(
  stream: ServerHttp2Stream,
  response: RenderedResponse,
  grpc: GrpcStatus | undefined,
): void {
  if (stream.destroyed || stream.headersSent) return;
  const body = Buffer.from(response.body, "utf8");
  const headers: OutgoingHttpHeaders = { ":status": response.status };
  for (const [name, value] of Object.entries(response.headers)) {
    // Connection-specific fields are malformed in HTTP/2; the stream ends on its own.
    if (name.toLowerCase() !== "connection") headers[name.toLowerCase()] = value;
  }
  headers["content-length"] = body.byteLength;
  try {
    stream.respond(headers, { waitForTrailers: grpc !== undefined });
    if (grpc !== undefined) {
      stream.once("wantTrailers", () =>
        stream.sendTrailers({
          "grpc-status": String(grpc.status),
          "grpc-message": encodeURIComponent(grpc.message),
        }));
    }
    stream.end(body);
  } catch {
    stream.destroy();
  }
}
