/**
 * The one error the policy.local handlers throw for a refused request; the app's error
 * handler turns it into `{error, detail}` with its status.
 *
 * @module
 */

import { POLICY_LOCAL_LIMITS } from "./limits.ts";

/** A refused request: HTTP status, stable snake_case code and one sentence for the agent. */
export class PolicyLocalError extends Error {
  override name = "PolicyLocalError";
  readonly status: 400 | 403 | 404 | 408 | 413 | 429 | 500 | 502 | 503;
  readonly code: string;

  constructor(status: PolicyLocalError["status"], code: string, detail: string) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

/** 503 when no gateway is wired in, so proposals cannot go anywhere. */
export function gatewayMissing(): PolicyLocalError {
  return new PolicyLocalError(
    503,
    "gateway_unavailable",
    "No policy gateway is connected to this proxy; proposals cannot be submitted right now",
  );
}

/** 502 when the gateway failed to answer. */
export function gatewayFailed(): PolicyLocalError {
  return new PolicyLocalError(
    502,
    "gateway_unavailable",
    "The policy gateway did not answer; try again in a few seconds",
  );
}

/** 429 when the sandbox already has as many `/wait` requests open as it may. */
export function tooManyWaits(): PolicyLocalError {
  const most = POLICY_LOCAL_LIMITS.maxConcurrentWaits;
  return new PolicyLocalError(
    429,
    "too_many_waits",
    `This sandbox already has ${most} waits open, the most it may have; ` +
      "wait on one proposal at a time, or let an open wait finish first",
  );
}

/** 429 when the sandbox submits proposals faster than it may. */
export function tooManySubmits(retryAfterSeconds: number): PolicyLocalError {
  return new PolicyLocalError(
    429,
    "too_many_submits",
    `This sandbox submits proposals faster than it may (${POLICY_LOCAL_LIMITS.submitBurst} at ` +
      `once, then ${POLICY_LOCAL_LIMITS.submitsPerSecond} a second); try again in ` +
      `${retryAfterSeconds} s`,
  );
}

/**
 * 403 for a request a web page made (it carries a browser's `Origin` or `Sec-Fetch-Site`): a
 * page the sandbox's browser opens is not the agent, and may not propose in its name.
 */
export function fromWebPage(): PolicyLocalError {
  return new PolicyLocalError(
    403,
    "cross_site_request",
    "policy.local answers programs in the sandbox, not web pages: send the request with " +
      "curl or a script's HTTP client",
  );
}

/** Whether `headers` are those of a browser request from a page other than policy.local's. */
export function isFromWebPage(headers: Headers): boolean {
  const origin = headers.get("origin");
  const site = headers.get("sec-fetch-site");
  return (origin !== null && origin !== "http://policy.local") ||
    (site !== null && site !== "same-origin" && site !== "none");
}
