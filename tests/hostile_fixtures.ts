/**
 * What the hostile tests share: a policy.local handler over a proposal store, for one sandbox; the
 * policy and the denied request of the resource-exhaustion tests; a curl-only policy.
 */
import type { ProposalStore } from "../gateway/mod.ts";
import { loadPolicyText } from "../proxy/policy/mod.ts";
import { type PolicyLocalHandler, policyLocalHandler } from "../proxy/policy_local/mod.ts";

/** The policy.local handler of sandbox `sandboxId` (policy "team", empty), proposing to `sink`. */
export function policyLocal(
  sink: ProposalStore,
  sandboxId = "sb-hostile",
  workdir?: string,
): PolicyLocalHandler {
  const snapshot = loadPolicyText("version: 1\n", "team.yaml");
  return policyLocalHandler({
    policyName: "team",
    sandboxId,
    ...(workdir === undefined ? {} : { workdir }),
    sink,
    logDir: "/nonexistent",
    skill: () => Promise.resolve(""),
    policy: {
      current: () => ({ ...snapshot, revision: 0 }),
      subscribe: () => () => {},
    },
  });
}

/** curl reads api.github.com; anything may POST to plain.example.com/upload/**. */
export const RESOURCE_POLICY = `version: 1
network_policies:
  gh_ro:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
  uploads:
    endpoints:
      - host: plain.example.com
        port: 80
        protocol: rest
        rules: [{ allow: { method: POST, path: "/upload/**" } }]
    binaries: [{ path: "/**" }]
`;
/** A plain-HTTP request the resource policy denies. */
export const DENIED_REQUEST =
  "GET http://denied.example.com/ HTTP/1.1\r\nHost: denied.example.com\r\n\r\n";

/** curl alone may read plain.example.com:80 (L7, read-only). */
export const CURL_ONLY = `version: 1
network_policies:
  curl_plain:
    endpoints:
      - { host: plain.example.com, port: 80, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
`;

/** A policy.local proposal body with one `addRule` operation. */
export type ProposalBody = {
  intent_summary: string;
  operations: {
    addRule: { ruleName: string; rule: { endpoints: Record<string, unknown>[] } };
  }[];
};

/**
 * A policy.local proposal body for one L7 rule "docs" on api.github.com:443 for curl: a PUT of
 * one file, with `endpoint`'s keys over the endpoint's and `extra`'s over the rule's.
 */
export function l7RuleBody(
  endpoint: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): ProposalBody {
  const rule = {
    endpoints: [{
      host: "api.github.com",
      port: 443,
      protocol: "rest",
      rules: [{ allow: { method: "PUT", path: "/repos/o/r/contents/x.md" } }],
      ...endpoint,
    }],
    binaries: [{ path: "/usr/bin/curl" }],
    ...extra,
  };
  return { intent_summary: "x", operations: [{ addRule: { ruleName: "docs", rule } }] };
}
