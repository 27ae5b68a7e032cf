/**
 * What a destination host must look like before any rule may match it: a DNS name or an IP
 * literal. The transport's parsers refuse anything else first; `decide()` checks again, so a
 * caller of the library that hands it a raw name (`sub\0.example.com`, `a%2eb.example.com`)
 * gets a denial, as OpenShell's engine fails closed on such a name (opa.rs
 * `wildcard_host_nul_byte_causes_opa_error`).
 *
 * @module
 */

import { isIpLiteral } from "./ip.ts";

// Anything but letters, digits, `_`, `-` and `.`: a host name never holds it (a scan of one
// character class, cheap on decide()'s path).
const NOT_IN_NAME = /[^A-Za-z0-9_.-]/;

/**
 * True when `host` is a DNS name (letters, digits, `_`, `-`, no empty label, at most 253
 * characters, perhaps fully qualified with a trailing dot) or an IP literal (no brackets).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isRequestHost } from "./request_host.ts";
 * assert.equal(isRequestHost("api.example.com"), true);
 * assert.equal(isRequestHost("fd00::7"), true);
 * assert.equal(isRequestHost("sub\0.example.com"), false);
 * assert.equal(isRequestHost("a..example.com"), false);
 * assert.equal(isRequestHost(".example.com"), false);
 * assert.equal(isRequestHost("api.example.com."), true);
 * ```
 */
export function isRequestHost(host: string): boolean {
  if (host.includes(":")) return isIpLiteral(host);
  // One trailing dot is the name written fully qualified, which decide() reads as the name.
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  return name !== "" && name.length <= 253 && !NOT_IN_NAME.test(name) && name[0] !== "." &&
    !name.endsWith(".") && !name.includes("..");
}
