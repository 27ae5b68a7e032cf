/**
 * The org ceiling: a policy file (same schema, `policies/ceiling.yaml` by default) holding the
 * most any sandbox policy may grant. Its text is for reviewers only: nothing here returns it.
 *
 * @module
 */

import { join } from "node:path";
import {
  type CompiledPolicy,
  type LoadedPolicy,
  loadPolicyText,
  type Policy,
} from "../../proxy/policy/mod.ts";
import { type AuthorityGrant, formatGrant, grantCovered, ruleGrants } from "./authority_delta.ts";
import { CEILING_FILE } from "../client/mod.ts";
import { ceilingDenyReached } from "./ceiling_denies.ts";

/** The refusal code an agent learns, and nothing more. */
export const OUTSIDE_CEILING = "outside_org_ceiling";

/**
 * The ceiling's path: `explicit` when given, else `ceiling.yaml` in the policies directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ceilingPath } from "./org_ceiling.ts";
 * assert(ceilingPath("/p") === "/p/ceiling.yaml" && ceilingPath("/p", "/etc/c.yaml") === "/etc/c.yaml");
 * ```
 */
export function ceilingPath(policiesDir: string, explicit?: string): string {
  return explicit ?? join(policiesDir, CEILING_FILE);
}

/**
 * Load the ceiling; undefined when the file does not exist (no ceiling).
 *
 * @throws {Error} when the file exists but is not a valid policy (callers fail closed)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadCeiling } from "./org_ceiling.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await loadCeiling(`${dir}/ceiling.yaml`), undefined); // no file: no ceiling
 * await Deno.writeTextFile(`${dir}/ceiling.yaml`, "version: 1\n");
 * assert.equal((await loadCeiling(`${dir}/ceiling.yaml`))?.compiled.ruleCount, 0);
 * await Deno.writeTextFile(`${dir}/ceiling.yaml`, "version: [\n");
 * await assert.rejects(loadCeiling(`${dir}/ceiling.yaml`)); // fail closed
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadCeiling(
  path: string,
  load: (text: string, file: string) => LoadedPolicy = loadPolicyText,
): Promise<LoadedPolicy | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new Error(`Cannot read the org ceiling: ${(error as Error).message.split("\n")[0]}`);
  }
  try {
    return load(text, CEILING_FILE);
  } catch {
    throw new Error(`The org ceiling ${CEILING_FILE} does not validate`);
  }
}

/**
 * The first of `grants` the ceiling does not grant, if any: not allowed there, or reaching
 * one of its deny rules (which no sandbox policy carries). Leased ceiling rules never count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy } from "../../proxy/policy/mod.ts";
 * import { firstOutside } from "./org_ceiling.ts";
 * const none = compilePolicy({ version: 1, revision: 0, network_policies: {} });
 * assert.notEqual(firstOutside(none, [{ binary: "*", host: "h.example.com", port: 22, layer: "l4" }]), undefined);
 * ```
 */
export function firstOutside(
  ceiling: CompiledPolicy,
  grants: readonly AuthorityGrant[],
): AuthorityGrant | undefined {
  return grants.find((g) => !grantCovered(ceiling, g) || ceilingDenyReached(ceiling, g));
}

/**
 * The first grant of a sandbox policy outside the ceiling, as `rule KEY: GRANT`, or undefined
 * when the whole policy fits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy } from "../../proxy/policy/mod.ts";
 * import { policyOutsideCeiling } from "./org_ceiling.ts";
 * const none = compilePolicy({ version: 1, revision: 0, network_policies: {} });
 * assert.equal(policyOutsideCeiling(none, { version: 1, revision: 0, network_policies: {} }), undefined);
 * ```
 */
export function policyOutsideCeiling(ceiling: CompiledPolicy, policy: Policy): string | undefined {
  for (const [key, rule] of Object.entries(policy.network_policies)) {
    const outside = firstOutside(ceiling, ruleGrants(rule));
    if (outside) return `rule "${key}" grants ${formatGrant(outside)}, outside the org ceiling`;
  }
  return undefined;
}

/**
 * The ceiling as the checks take it: undefined when there is none, its compiled form, or the
 * reason it could not be loaded (the checks then fail closed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ceilingPath, readCeilingView } from "./org_ceiling.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await readCeilingView(ceilingPath(dir)), undefined); // no ceiling
 * await Deno.writeTextFile(ceilingPath(dir), "version: 1\n");
 * assert.ok(await readCeilingView(ceilingPath(dir)).then((v) => v && "compiled" in v));
 * await Deno.writeTextFile(ceilingPath(dir), "version: [\n");
 * assert.ok(await readCeilingView(ceilingPath(dir)).then((v) => v && "error" in v)); // fail closed
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readCeilingView(
  path: string,
  load?: (text: string, file: string) => LoadedPolicy,
): Promise<{ compiled: CompiledPolicy; hash?: string } | { error: string } | undefined> {
  try {
    const loaded = await loadCeiling(path, load);
    if (!loaded) return undefined;
    // The hash names what the ceiling grants, but for leases (comments compiled in).
    return loaded.leases
      ? { compiled: loaded.compiled }
      : { compiled: loaded.compiled, hash: loaded.hash };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/**
 * Why a sandbox policy must not be loaded under the ceiling at `path`: the first grant outside
 * it, or that the ceiling is unreadable; undefined when it fits or there is no ceiling.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadPolicyText } from "../../proxy/policy/mod.ts";
 * import { refuseOutsideCeiling } from "./org_ceiling.ts";
 * const dir = await Deno.makeTempDir();
 * const gh = "version: 1\nnetwork_policies:\n  gh:\n    endpoints: [{ host: api.github.com, port: 443 }]\n    binaries: [{ path: /bin/gh }]\n";
 * const policy = loadPolicyText(gh, "team.yaml").policy;
 * assert.equal(await refuseOutsideCeiling(`${dir}/ceiling.yaml`, policy), undefined); // none
 * await Deno.writeTextFile(`${dir}/ceiling.yaml`, "version: 1\n");
 * assert.match((await refuseOutsideCeiling(`${dir}/ceiling.yaml`, policy))!, /rule "gh" grants/);
 * await Deno.writeTextFile(`${dir}/ceiling.yaml`, gh);
 * assert.equal(await refuseOutsideCeiling(`${dir}/ceiling.yaml`, policy), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function refuseOutsideCeiling(
  path: string,
  policy: Policy,
): Promise<string | undefined> {
  const view = await readCeilingView(path);
  if (view === undefined) return undefined;
  if ("error" in view) return view.error;
  return policyOutsideCeiling(view.compiled, policy);
}
