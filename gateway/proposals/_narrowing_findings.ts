/**
 * The proposal check for L7 rules that would narrow a grant already in force: once a binary
 * has an L7 grant on a host:port, only L7 rules judge its requests there (OpenShell's reading),
 * so a narrow rule for a binary that reached the host through a plain grant cuts its access.
 *
 * @module
 */

import {
  type Endpoint,
  globsOverlap,
  type LoadedPolicy,
  lookupGrants,
  type NetworkRule,
} from "../../proxy/policy/mod.ts";
import type { Finding } from "../../proxy/policy_local/mod.ts";
import { visibleText } from "../repo/mod.ts";

/** True when some binary may match both lists (a list that is absent grants any binary). */
function binariesMeet(a: NetworkRule["binaries"], b: NetworkRule["binaries"]): boolean {
  if (a === undefined || b === undefined) return true;
  return a.some((x) => b.some((y) => globsOverlap(x.path, y.path)));
}

/**
 * A warning when L7 endpoint `e` of `rule` lands on a host:port where a plain (L4) rule grants
 * one of the same binaries: approving it narrows that binary there, so it must be a person's
 * choice, never an auto-approval.
 */
export function narrowsL4Finding(
  rule: NetworkRule,
  e: Endpoint,
  at: string,
  current: LoadedPolicy,
): Finding | undefined {
  if (!["rest", "websocket", "graphql", "mcp", "json-rpc"].includes(e.protocol ?? "")) {
    return undefined;
  }
  const host = e.host?.toLowerCase();
  // A wildcard or host-less proposal is refused by the target checks already.
  if (host === undefined || host.includes("*")) return undefined;
  for (const port of e.ports ?? (e.port === undefined ? [] : [e.port])) {
    const plain = lookupGrants(current.compiled, host, port).find((g) =>
      !g.l7 && binariesMeet(rule.binaries, current.policy.network_policies[g.ruleKey]?.binaries)
    );
    if (plain === undefined) continue;
    const where = `${visibleText(host, 100)}:${port}`;
    return {
      code: "narrows_l4",
      severity: "warn",
      message: `${at} puts L7 rules on ${where}, where rule ${plain.ruleKey} lets the same ` +
        "binaries through at L4: once approved, only L7 rules judge their requests there",
    };
  }
  return undefined;
}
