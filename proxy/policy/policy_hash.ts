/**
 * A stable content hash of a policy: the same for every file that means the same policy.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { endpointPorts } from "./compile_policy.ts";
import type { Endpoint, Policy } from "./types.ts";

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
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
 * import { policyHash } from "./policy_hash.ts";
 * const h = policyHash({ version: 1, revision: 0, network_policies: {} });
 * console.assert(/^[0-9a-f]{64}$/.test(h));
 * ```
 */
export function policyHash(policy: Policy): string {
  const rules = Object.fromEntries(
    Object.entries(policy.network_policies).map((
      [k, r],
    ) => [k, { ...r, endpoints: r.endpoints.map(normaliseEndpoint) }]),
  );
  const normalised = { ...policy, network_policies: rules };
  return createHash("sha256").update(canonical(normalised)).digest("hex");
}
