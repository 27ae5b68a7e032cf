/**
 * A failure to reach an upstream, as the client sees it: the error class, and the mapping
 * from a connection's own errors (`node:net`, `node:tls`, Deno's TLS client) to it.
 *
 * @module
 */

/** Where a connection went: enough to name it in an error. */
export interface UpstreamAddress {
  /** Host name the client asked for. */
  host: string;
  /** Port the client asked for. */
  port: number;
}

/** A failure to reach upstream, with the status and code the client gets. */
export class UpstreamError extends Error {
  /** Always `"UpstreamError"`. */
  override name = "UpstreamError";
  /** HTTP status for the client (502 or 504). */
  readonly status: number;
  /** Stable code for the JSON body (`upstream_unreachable`, …). */
  readonly code: string;
  /**
   * An upstream failure as the client will see it.
   *
   * @param status HTTP status.
   * @param code Stable code.
   * @param message One sentence for the client.
   */
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * The error for a connection that took longer than the connect timeout.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timedOut } from "./_upstream_error.ts";
 *
 * assert.equal(timedOut({ host: "a.test", port: 443 }).status, 504);
 * ```
 */
export function timedOut(target: UpstreamAddress): UpstreamError {
  return new UpstreamError(504, "upstream_timeout", `Connecting to ${where(target)} timed out`);
}

/**
 * The status, code and message for a connection's own error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classify } from "./_upstream_error.ts";
 *
 * const error = new Error('invalid peer certificate: certificate not valid for name "a.test"');
 * assert.equal(classify(error, { host: "a.test", port: 443 }).code, "upstream_tls_error");
 * ```
 */
export function classify(error: Error, target: UpstreamAddress): UpstreamError {
  const code = (error as { code?: string }).code ?? "";
  // node:tls says "altnames"; Deno's TLS client "certificate not valid for name".
  if (
    code === "ERR_TLS_CERT_ALTNAME_INVALID" ||
    /altnames|does not match|not valid for name/i.test(error.message)
  ) {
    return new UpstreamError(
      502,
      "upstream_tls_error",
      `The certificate of ${target.host} does not match the host name`,
    );
  }
  if (/CERT|SELF_SIGNED|ISSUER|VERIFY/i.test(code) || /certificate|verify/i.test(error.message)) {
    return new UpstreamError(
      502,
      "upstream_tls_untrusted",
      `The certificate of ${target.host} is not trusted`,
    );
  }
  return new UpstreamError(502, "upstream_unreachable", `Cannot connect to ${where(target)}`);
}

function where(target: UpstreamAddress): string {
  return `${target.host}:${target.port}`;
}
