/**
 * The policy of the tests that send method overrides and bodies to `/items/...` on an origin
 * answering as app.example.com, over HTTP (port 80) and HTTPS (port 443).
 *
 * @module
 */

/** The host the items tests' origins answer as, on ports 80 and 443. */
export const ITEMS_HOST = "app.example.com";

/**
 * A policy `items` granting {@linkcode ITEMS_HOST} on ports 80 and 443 the REST `allows` and
 * `denies` (YAML flow mappings such as `{ method: POST, path: "/items/**" }`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { itemsPolicy } from "./mod.ts";
 *
 * const policy = itemsPolicy(['{ method: POST, path: "/items/**" }']);
 * assert.match(policy, /ports: \[80, 443\]\n {8}protocol: rest\n {8}rules:\n {10}- allow: \{/);
 * ```
 */
export function itemsPolicy(allows: string[], denies: string[] = []): string {
  return [
    "version: 1",
    "network_policies:",
    "  items:",
    "    endpoints:",
    `      - host: ${ITEMS_HOST}`,
    "        ports: [80, 443]",
    "        protocol: rest",
    "        rules:",
    ...allows.map((allow) => `          - allow: ${allow}`),
    ...(denies.length > 0 ? ["        deny_rules:"] : []),
    ...denies.map((deny) => `          - ${deny}`),
    "",
  ].join("\n");
}
