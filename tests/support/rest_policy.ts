/**
 * The policies of the tests that put one origin host behind the proxy: REST allow and deny
 * rules on one host, written out as the YAML a person would write.
 *
 * @module
 */

/** Where {@linkcode restPolicy} grants: the policy's name, the host and its ports. */
export interface RestGrant {
  /** The policy's key under `network_policies` (default `app`). */
  name?: string;
  /** The endpoint's host. */
  host: string;
  /** Its ports (default `[80]`); one is written `port: N`, more `ports: [...]`. */
  ports?: number[];
}

/**
 * A policy granting `at.host` the REST `allows` and `denies` (YAML flow mappings such as
 * `{ method: POST, path: "/items/**" }`), for any binary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { restPolicy } from "./mod.ts";
 *
 * const policy = restPolicy({ host: "app.example.com" }, ['{ method: GET, path: "/**" }']);
 * assert.match(policy, /port: 80\n {8}protocol: rest\n {8}rules:\n {10}- allow: \{/);
 * ```
 */
export function restPolicy(at: RestGrant, allows: string[], denies: string[] = []): string {
  const ports = at.ports ?? [80];
  return [
    "version: 1",
    "network_policies:",
    `  ${at.name ?? "app"}:`,
    "    endpoints:",
    `      - host: ${at.host}`,
    ports.length === 1 ? `        port: ${ports[0]}` : `        ports: [${ports.join(", ")}]`,
    "        protocol: rest",
    "        rules:",
    ...allows.map((allow) => `          - allow: ${allow}`),
    ...(denies.length > 0 ? ["        deny_rules:"] : []),
    ...denies.map((deny) => `          - ${deny}`),
    "",
  ].join("\n");
}

/** The host the method-override tests' origins answer as, on ports 80 and 443. */
export const ITEMS_HOST = "app.example.com";

/**
 * The policy of the method-override tests: `items` granting {@linkcode ITEMS_HOST} on ports 80
 * and 443 the REST `allows` and `denies` (on `/items/...`).
 */
export function itemsPolicy(allows: string[], denies: string[] = []): string {
  return restPolicy({ name: "items", host: ITEMS_HOST, ports: [80, 443] }, allows, denies);
}
