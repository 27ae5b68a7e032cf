/**
 * A generated policy of any size, for tests and benchmarks of `compilePolicy()` and `decide()`
 * at scale. Not part of the product: nothing under `proxy/`, `gateway/` or `cli/` needs it
 * outside its tests.
 *
 * @module
 */

import type { NetworkRule, Policy } from "../../proxy/policy/mod.ts";

/**
 * Build a policy with `n` rules: a mix of exact hosts (L4 and L7 presets), explicit L7
 * rules with path globs, query matchers and deny rules, and `*.` / `**.` wildcard hosts.
 * Rule `i` grants host `svc-i.example.com` (or a wildcard for every fifth rule) to
 * `/usr/bin/tool-<i mod 7>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syntheticPolicy } from "./synthetic_policy.ts";
 * assert.equal(Object.keys(syntheticPolicy(100).network_policies).length, 100);
 * ```
 */
export function syntheticPolicy(n: number): Policy {
  const rules: Record<string, NetworkRule> = {};
  for (let i = 0; i < n; i++) {
    rules[`rule_${String(i).padStart(6, "0")}`] = syntheticRule(i);
  }
  return { version: 1, revision: 0, network_policies: rules };
}

function syntheticRule(i: number): NetworkRule {
  const binaries = [{ path: `/usr/bin/tool-${i % 7}` }, { path: "/opt/agent/**" }];
  switch (i % 5) {
    case 0:
      return { endpoints: [{ host: `svc-${i}.example.com`, port: 443 }], binaries };
    case 1:
      return {
        endpoints: [{
          host: `svc-${i}.example.com`,
          ports: [443, 8443],
          protocol: "rest",
          access: "read-only",
        }],
        binaries,
      };
    case 2:
      return {
        name: `explicit-${i}`,
        endpoints: [{
          host: `svc-${i}.example.com`,
          port: 443,
          protocol: "rest",
          rules: [
            { allow: { method: "GET", path: "/repos/*/issues/**" } },
            {
              allow: {
                method: "POST",
                path: `/v1/items/${i}`,
                query: { mode: { any: ["fast", "slow*"] } },
              },
            },
          ],
          deny_rules: [{ method: "*", path: "/admin/**" }],
        }],
        binaries,
      };
    case 3:
      return {
        endpoints: [{
          host: `*.zone-${i}.example.com`,
          port: 443,
          protocol: "rest",
          access: "read-write",
        }],
        binaries,
      };
    default:
      return { endpoints: [{ host: `**.deep-${i}.example.org`, port: 443 }], binaries };
  }
}
