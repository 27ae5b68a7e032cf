/**
 * OpenShell policy features Tollgate does not implement. A file that uses one is refused
 * with a message that says so, instead of "unknown key", so the reader knows the file is
 * valid OpenShell and what to remove.
 *
 * @module
 */

import { type Checker, describe, type PlainMap, type ValuePath } from "./_checker.ts";

/** Endpoint keys of OpenShell features Tollgate leaves out, with the feature's name. */
const ENDPOINT_FEATURES: Record<string, string> = {
  websocket_credential_rewrite: "credential rewriting",
  request_body_credential_rewrite: "credential rewriting",
  allow_uninspected_credentials: "credential rewriting",
  credential_binding: "credential binding",
  credential_signing: "credential signing",
  signing_service: "credential signing",
  signing_region: "credential signing",
};

/** Protocol values OpenShell knows and Tollgate does not inspect. */
const PROTOCOL_FEATURES: Record<string, string> = {
  sql: "SQL inspection",
};

/** Top-level keys of OpenShell features Tollgate leaves out. */
const UNSUPPORTED_TOP_KEYS: Record<string, string> = {
  network_middlewares: "network middlewares",
};

/**
 * What to do about a top-level feature. Middlewares are operator-run services that filter or
 * rewrite the requests they select; loading the rules without them would let those requests
 * pass unfiltered, so a file that attaches one fails closed (OpenShell, too, refuses a policy
 * naming a middleware its gateway has not registered).
 */
const TOP_KEY_ADVICE: Record<string, string> = {
  network_middlewares: ": it runs no middleware service, so the requests they filter would " +
    "pass unfiltered; remove the section to load the rules without them",
};

/**
 * Report each top-level key of `raw` that attaches a feature Tollgate leaves out; returns the
 * keys so the unknown-key check skips them. An empty one (`{}` or nothing under it) attaches
 * nothing, as OpenShell's default empty map, and is accepted.
 */
export function unsupportedTopKeys(c: Checker, raw: PlainMap): string[] {
  const found = Object.keys(raw).filter((k) => Object.hasOwn(UNSUPPORTED_TOP_KEYS, k));
  for (const key of found) {
    if (attachesNothing(raw[key])) continue;
    const advice = TOP_KEY_ADVICE[key] ?? "";
    c.report(
      [key],
      `Key "${key}" (${UNSUPPORTED_TOP_KEYS[key]}) is not supported by Tollgate${advice}`,
      "key",
    );
  }
  return found;
}

function attachesNothing(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  return typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0;
}

/**
 * Report each key of `raw` that names a feature Tollgate leaves out; returns those keys so
 * the unknown-key check skips them.
 */
export function unsupportedKeys(
  c: Checker,
  raw: PlainMap,
  path: ValuePath,
  features: Record<string, string> = ENDPOINT_FEATURES,
): string[] {
  const found = Object.keys(raw).filter((k) => Object.hasOwn(features, k));
  for (const key of found) {
    c.report([...path, key], `Key "${key}" (${features[key]}) is not supported by Tollgate`, "key");
  }
  return found;
}

/** The problem with a protocol value OpenShell knows but Tollgate does not support, if any. */
export function unsupportedProtocol(protocol: string): string | undefined {
  const feature = PROTOCOL_FEATURES[protocol.toLowerCase()];
  if (!Object.hasOwn(PROTOCOL_FEATURES, protocol.toLowerCase())) return undefined;
  return `Protocol ${
    describe(protocol)
  } (${feature}) is not supported by Tollgate: use "rest" for HTTP, "tcp" or no protocol for L4`;
}
