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
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkCeiling } from "./check_ceiling.ts";
 * const dir = await Deno.makeTempDir();
 * const gh = "version: 1\nnetwork_policies:\n  gh:\n    endpoints: [{ host: api.github.com, port: 443 }]\n    binaries: [{ path: /bin/gh }]\n";
 * await Deno.writeTextFile(`${dir}/ceiling.yaml`, gh);
 * await Deno.writeTextFile(`${dir}/team.yaml`, gh);
 * await Deno.writeTextFile(`${dir}/ops.yaml`, gh.replace("api.github.com", "example.com"));
 * const check = await checkCeiling(dir, ["team", "ops"]);
 * assert.equal(check.ceiling, "present");
 * assert.deepEqual(check.policies.map((p) => p.inside), [true, false]);
 * await Deno.remove(dir, { recursive: true });
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
