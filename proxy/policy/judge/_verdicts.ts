/**
 * The verdicts `decide()` builds: allow and deny at L4 and L7, the audit allow, each naming
 * its layer, reason and rule key (a denial also the missing rule), and the once-rule mark.
 * Folder-private: `decide.ts` is the only caller.
 *
 * @module
 */

import type { Grant } from "../model/mod.ts";
import type { RequestFacts } from "../model/mod.ts";
import type { Decision } from "../model/mod.ts";

type Base = Pick<Decision, "host" | "port" | "binary" | "method" | "path">;

/** What every verdict repeats of the request: host, port, binary, method, path. */
export function baseOf(facts: RequestFacts): Base {
  const base: Base = { host: facts.host, port: facts.port };
  if (facts.identity) base.binary = facts.identity.exe;
  if (facts.method !== undefined) base.method = facts.method;
  if (facts.path !== undefined) base.path = facts.path;
  return base;
}

/** An L4 denial, naming the missing `l4_allow` rule. */
export function denyL4(facts: RequestFacts, reason: string, policy?: string): Decision {
  const d: Decision = { verdict: "deny", layer: "l4", reason, ...baseOf(facts) };
  if (policy !== undefined) d.policy = policy;
  d.ruleMissing = { type: "l4_allow", layer: "l4", host: facts.host, port: facts.port };
  if (facts.identity) d.ruleMissing.binary = facts.identity.exe;
  return d;
}

/** The rule key a verdict names among several grants: the smallest, so it is stable. */
export function smallestKey(grants: readonly Grant[]): string {
  let key = grants[0]!.ruleKey;
  for (const g of grants) if (g.ruleKey < key) key = g.ruleKey;
  return key;
}

/** An L4 allow: a blind tunnel unless every matched grant is L7 (then inspect). */
export function allowL4(facts: RequestFacts, matched: Grant[]): Decision {
  const policy = smallestKey(matched);
  const d: Decision = {
    verdict: "allow",
    layer: "l4",
    reason: `allowed by policy '${policy}'`,
    policy,
    ...baseOf(facts),
  };
  // One L7 grant for the same binary means inspection: its rules judge every request, and
  // plain L4 grants beside it add nothing there (OpenShell's endpoint-config selection).
  d.inspect = matched.some((g) => g.l7);
  // A blind tunnel is the once-rule's one use; an inspected connection spends it per request.
  if (!d.inspect) markOnce(d, matched);
  const ips = new Set(matched.flatMap((g) => g.allowedIps));
  if (ips.size > 0) d.allowedIps = [...ips];
  if (matched.some((g) => g.allowEncodedSlash)) d.allowEncodedSlash = true;
  if (facts.addresses !== undefined) d.addresses = [...facts.addresses];
  return d;
}

/** Name the once-scoped rule an allow rests on, when no durable grant allows it as well. */
export function markOnce(d: Decision, allowing: readonly Grant[]): void {
  if (allowing.every((g) => g.lease?.scope === "once")) d.once = smallestKey(allowing);
}

/** An L7 allow by the smallest allowing rule key. */
export function allowL7(facts: RequestFacts, grants: Grant[]): Decision {
  const policy = smallestKey(grants);
  const reason = `allowed by policy '${policy}'`;
  const d: Decision = { verdict: "allow", layer: "l7", reason, policy, ...baseOf(facts) };
  markOnce(d, grants);
  return d;
}

/** An allow of an audit-mode endpoint that would have denied (`audit: true`). */
export function auditAllow(facts: RequestFacts, grants: Grant[], reason: string): Decision {
  const policy = smallestKey(grants);
  return { verdict: "allow", layer: "l7", reason, policy, audit: true, ...baseOf(facts) };
}

/** An L7 denial, naming the missing `rest_allow` rule. */
export function denyL7(
  facts: RequestFacts,
  grants: Grant[],
  reason: string,
  method = facts.method,
): Decision {
  const policy = smallestKey(grants);
  const d: Decision = { verdict: "deny", layer: "l7", reason, policy, ...baseOf(facts) };
  // The missing rule names the method the origin would act as (an override's, if that failed).
  d.ruleMissing = {
    type: "rest_allow",
    layer: "l7",
    method,
    path: facts.path,
    host: facts.host,
    port: facts.port,
    binary: facts.identity?.exe,
  };
  if (d.ruleMissing.path === undefined) delete d.ruleMissing.path;
  return d;
}
