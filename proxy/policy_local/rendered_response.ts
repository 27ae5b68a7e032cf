/**
 * `RenderedResponse`, the shape every proxy-made answer takes, and the plain `{error, detail}`
 * body of every refusal that is not a policy denial.
 *
 * @module
 */

/** A fully rendered HTTP response; the transport adds the status line and Content-Length. */
export interface RenderedResponse {
  /** HTTP status code. */
  status: number;
  /** Response headers (Content-Length is left to the transport). */
  headers: Record<string, string>;
  /** The JSON body text. */
  body: string;
}

/**
 * Render a plain JSON error `{error, detail}` (e.g. 400 `bad_request`, 431, `ssrf_denied`,
 * `invalid_policy_local_scheme`).
 *
 * @param status HTTP status code.
 * @param code Stable snake_case error code.
 * @param detail One sentence for the agent; never a header value, query string or body.
 * @returns The response with `Content-Type: application/json` and `Connection: close`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderErrorResponse } from "./rendered_response.ts";
 * const res = renderErrorResponse(400, "invalid_policy_local_scheme", "Use http://policy.local only");
 * assert.equal(JSON.parse(res.body).error, "invalid_policy_local_scheme");
 * ```
 */
export function renderErrorResponse(
  status: number,
  code: string,
  detail: string,
): RenderedResponse {
  return {
    status,
    headers: { "Content-Type": "application/json", "Connection": "close" },
    body: JSON.stringify({ error: code, detail }),
  };
}
