/**
 * `tollgate ceiling check` and `GET /v1/ceiling/check`: whether sandbox policies fit the org
 * ceiling, naming each one's first grant outside it. The answer names grants of the sandbox
 * policies only, never a line of the ceiling itself.
 *
 * @module
 */

import { readPolicyFile } from "../repo/mod.ts";
import { visibleText } from "../repo/mod.ts";
import { ceilingPath, loadCeiling, policyOutsideCeiling } from "./org_ceiling.ts";
import type { CeilingCheck, CeilingFit } from "../client/mod.ts";

/**
 * Check policies `names` of `dir` against the ceiling (`ceilingFile`, or `ceiling.yaml` in
 * `dir`).
 *
 * @example
 * ```ts ignore
 * const check = await checkCeiling("policies", ["team"]);
 * if (check.policies.some((p) => !p.inside)) Deno.exit(1);
 * ```
 */
export async function checkCeiling(
  dir: string,
  names: readonly string[],
  ceilingFile?: string,
): Promise<CeilingCheck> {
  let ceiling;
  try {
    ceiling = await loadCeiling(ceilingPath(dir, ceilingFile));
  } catch (error) {
    return { ceiling: "unreadable", error: (error as Error).message, policies: [] };
  }
  if (!ceiling) return { ceiling: "none", policies: [] };
  const policies: CeilingFit[] = [];
  for (const policy of names) {
    const file = await readPolicyFile(dir, policy).catch((error: Error) => error);
    if (file === undefined || file instanceof Error) {
      const why = file ? visibleText(file.message.split("\n")[0]!, 300) : "no such policy";
      policies.push({ policy, inside: false, error: why });
      continue;
    }
    const outside = policyOutsideCeiling(ceiling.compiled, file.loaded.policy);
    policies.push(outside ? { policy, inside: false, outside } : { policy, inside: true });
  }
  return { ceiling: "present", policies };
}
