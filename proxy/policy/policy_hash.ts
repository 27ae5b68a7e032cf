/**
 * A stable content hash of a policy: the same for every file that means the same policy.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { endpointPorts } from "./compile_policy.ts";
import type { Endpoint, Policy } from "./types.ts";

// One string built by appending, without the per-object entry arrays and maps: on a
// 10,000-rule policy this serialisation is most of a reload's hashing time.
function canonical(value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(",");
      canonical(value[i], out);
    }
    out.push("]");
  } else if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    out.push("{");
    let first = true;
    for (const k of keys) {
      const v = obj[k];
      if (v === undefined) continue;
      out.push(first ? "" : ",", JSON.stringify(k), ":");
      first = false;
      canonical(v, out);
    }
    out.push("}");
  } else out.push(JSON.stringify(value));
}

function normaliseEndpoint(ep: Endpoint): Endpoint {
  const out: Endpoint = {
    ...ep,
    ports: endpointPorts(ep),
    enforcement: ep.enforcement ?? "enforce",
  };
  delete out.port;
  if (out.host !== undefined) out.host = out.host.toLowerCase();
  if (out.allow_encoded_slash === false) delete out.allow_encoded_slash;
  return out;
}

/**
 * SHA-256 (hex) of a canonical serialisation: keys sorted, `port` folded into `ports`,
 * `enforcement` defaulted to `enforce`, hosts lower-cased. Comments, key order and
 * formatting do not change it. The `revision` IS included: it names the approved state, so
 * an approval that bumps it yields a new hash even if the grants end up the same, and
 * proxies and `/v1/policy/current` can tell revisions apart by hash alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { policyHash } from "./policy_hash.ts";
 * const h = policyHash({ version: 1, revision: 0, network_policies: {} });
 * assert(/^[0-9a-f]{64}$/.test(h));
 * ```
 */
export function policyHash(policy: Policy): string {
  const rules = Object.fromEntries(
    Object.entries(policy.network_policies).map((
      [k, r],
    ) => [k, { ...r, endpoints: r.endpoints.map(normaliseEndpoint) }]),
  );
  const normalised = { ...policy, network_policies: rules };
  const out: string[] = [];
  canonical(normalised, out);
  return createHash("sha256").update(out.join("")).digest("hex");
}
