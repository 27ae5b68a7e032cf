/**
 * Validation of a `protocol: tcp` endpoint: the explicit spelling of L4 (OpenShell's
 * explicit-TCP contract), so every L7 field on it is an error.
 *
 * @module
 */

import type { Checker, PlainMap, ValuePath } from "./_checker.ts";
import { isIpLiteral } from "../host/mod.ts";
import { GRAPHQL_ENDPOINT_KEYS } from "./_validate_graphql.ts";
import { JSON_RPC_ENDPOINT_KEYS } from "./_validate_json_rpc.ts";

/** `protocol: tcp` is the explicit spelling of L4 (OpenShell's explicit-TCP contract). */
export function tcpChecks(c: Checker, raw: PlainMap, path: ValuePath): void {
  for (
    const key of [
      "access",
      "rules",
      "deny_rules",
      "enforcement",
      "path",
      ...GRAPHQL_ENDPOINT_KEYS,
      ...JSON_RPC_ENDPOINT_KEYS,
    ]
  ) {
    if (raw[key] !== undefined) {
      c.report([...path, key], `Key "${key}" is an L7 field: "protocol: tcp" is L4 only`, "key");
    }
  }
  if (raw.allow_encoded_slash === true) {
    c.report([...path, "allow_encoded_slash"], `"protocol: tcp" is L4 only`, "key");
  }
  if (raw.host === undefined) {
    c.report([...path, "protocol"], `"protocol: tcp" needs a DNS host name`);
  } else if (typeof raw.host === "string" && isIpLiteral(raw.host)) {
    c.report([...path, "host"], `"protocol: tcp" needs a DNS host name, not an IP address`);
  }
}
