/**
 * The set-up of the tests about framing and paths, not identity: a policy that opens two hosts
 * to any REST request but a few denied ones, plain and intercepted, and an identity resolver
 * that takes every raw client for curl, the binary the policy names.
 *
 * @module
 */

import type { IdentityResolver } from "../../proxy/mod.ts";

/** Takes every client for `/usr/bin/curl` (no /proc lookup): raw sockets pass as curl. */
export const AS_CURL: IdentityResolver = {
  resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }),
};

/**
 * A policy `open` letting curl send any REST request to plain.example.com:80 (forwarded) and
 * api.github.com:443 (intercepted), but the `denies` (YAML flow mappings such as
 * `{ method: DELETE, path: "/**" }`); `more` is YAML for further policies, after it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openPolicy } from "./mod.ts";
 *
 * assert.match(openPolicy(['{ method: DELETE, path: "/**" }']), /port: 443\n/);
 * ```
 */
export function openPolicy(denies: string[], more = ""): string {
  const rules = [
    "        protocol: rest",
    '        rules: [{ allow: { method: "*", path: "/**" } }]',
    "        deny_rules:",
    ...denies.map((deny) => `          - ${deny}`),
  ];
  return [
    "version: 1",
    "network_policies:",
    "  open:",
    "    endpoints:",
    "      - host: plain.example.com",
    "        port: 80",
    ...rules,
    "      - host: api.github.com",
    "        port: 443",
    ...rules,
    "    binaries: [{ path: /usr/bin/curl }]",
    more,
  ].join("\n");
}
