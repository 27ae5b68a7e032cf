/**
 * A failure to reach upstream as the client will see it: the status (502 or 504), a stable
 * code for the JSON body, and one sentence, mapped from the socket's or TLS's own error.
 *
 * @module
 */

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
 * The failure a client sees for a connection to `target` that failed with `error`: a
 * certificate naming another host, an untrusted certificate, or unreachable.
 */
export function connectError(error: Error, target: { host: string; port: number }): UpstreamError {
  const code = (error as { code?: string }).code ?? "";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || /altnames|does not match/i.test(error.message)) {
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

function where(target: { host: string; port: number }): string {
  return `${target.host}:${target.port}`;
}
