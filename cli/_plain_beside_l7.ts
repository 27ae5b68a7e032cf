/**
 * `policy validate`'s warning for a plain grant that L7 rules override: once a binary has an
 * L7 grant on a host:port, only L7 rules judge its requests there (as in OpenShell), so a plain
 * grant of the same binary there is not used. Policies written when the plain grant won (a
 * blind tunnel) read differently now; the warning names both rules.
 *
 * @module
 */

import {
  globsOverlap,
  isJsonRpcFamily,
  isRestShaped,
  lookupGrants,
  type NetworkRule,
} from "../proxy/policy/mod.ts";
import type { LoadedPolicy } from "../proxy/policy/mod.ts";
import { positionOf, type ScriptBinaryWarning } from "./_script_binaries.ts";

/** True when some binary may match both lists (an absent list grants any binary). */
function binariesMeet(a: NetworkRule["binaries"], b: NetworkRule["binaries"]): boolean {
  if (a === undefined || b === undefined) return true;
  return a.some((x) => b.some((y) => globsOverlap(x.path, y.path)));
}

/**
 * One warning per plain endpoint and host:port where another rule's L7 endpoint grants some
 * of the same binaries, at the plain endpoint's position.
 */
export function plainBesideL7Warnings(
  loaded: Pick<LoadedPolicy, "policy" | "compiled" | "text">,
): ScriptBinaryWarning[] {
  const rules = loaded.policy.network_policies;
  const warnings: ScriptBinaryWarning[] = [];
  for (const [key, rule] of Object.entries(rules)) {
    rule.endpoints.forEach((e, i) => {
      const host = e.host?.toLowerCase();
      if (isRestShaped(e.protocol) || e.protocol === "graphql" || isJsonRpcFamily(e.protocol)) {
        return;
      }
      if (host === undefined || host.includes("*")) return;
      for (const port of e.ports ?? (e.port === undefined ? [] : [e.port])) {
        const l7 = lookupGrants(loaded.compiled, host, port).find((g) =>
          g.l7 && g.ruleKey !== key && binariesMeet(rule.binaries, rules[g.ruleKey]?.binaries)
        );
        if (l7 === undefined) continue;
        const message = `Rule "${key}" grants ${host}:${port} plain, but rule "${l7.ruleKey}" ` +
          "has L7 rules there for some of the same binaries: only those judge their requests " +
          "there (as in OpenShell); widen the L7 rules or narrow the binaries";
        const at = positionOf(loaded.text, ["network_policies", key, "endpoints", i]);
        warnings.push({ ...at, message });
        return;
      }
    });
  }
  return warnings;
}
