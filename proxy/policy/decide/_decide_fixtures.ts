/**
 * The policy and request builders decide()'s table tests share: one policy compiled once.
 */
import assert from "node:assert/strict";
import { compilePolicy } from "../compile/mod.ts";
import { parsePolicy } from "../yaml/mod.ts";
import type { Decision, RequestFacts } from "../model/mod.ts";

const POLICY = `
version: 1
network_policies:
  gh_ro:
    name: github-readonly
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
  gh_git_l4:
    endpoints: [{ host: api.github.com, port: 443 }]
    binaries: [{ path: /usr/bin/git }]
  rw_api:
    endpoints:
      - host: API.Example.com
        ports: [443, 8443]
        protocol: rest
        access: read-write
        deny_rules:
          - { method: "*", path: "/admin/**" }
    binaries: [{ path: /usr/bin/python3 }]
  full_api:
    endpoints: [{ host: full.example.com, port: 443, protocol: rest, access: full }]
    binaries: [{ path: /usr/bin/curl }]
  explicit:
    endpoints:
      - host: git.example.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: GET, path: "/acme/tool.git/info/refs", query: { service: "git-*" } }
          - allow: { method: post, path: "/acme/tool.git/git-upload-pack" }
          - allow: { method: GET, path: "/repos/*/issues" }
          - allow: { method: GET, path: "/files/**" }
          - allow: { method: "*", path: "/any-method" }
          - allow: { method: GET, path: "/search", query: { q: { any: ["foo*", "bar"] }, page: { glob: "*" } } }
        deny_rules:
          - { method: GET, path: "/files/secret/**" }
          - { method: GET, path: "/search", query: { q: "*password*" } }
          - { method: GET, path: "/files/tmp/**", query: { mode: raw, fmt: json } }
    binaries: [{ path: /usr/bin/git }, { path: "/usr/lib/git-core/**" }]
  wild_one:
    endpoints: [{ host: "*.svc.example.com", port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
  wild_many:
    endpoints: [{ host: "**.deep.example.com", port: 443 }]
    binaries: [{ path: "/opt/agent/bin/*" }]
  db:
    endpoints: [{ host: db.internal.example, port: 5432, allowed_ips: ["10.0.0.0/24"] }]
    binaries: [{ path: /usr/bin/psql }]
  db_replica:
    endpoints: [{ host: db.internal.example, port: 5432, allowed_ips: ["10.0.1.0/24", "10.0.0.0/24"] }]
    binaries: [{ path: /usr/bin/psql }]
  hostless:
    endpoints: [{ port: 6379, allowed_ips: ["10.9.0.0/16"] }]
    binaries: [{ path: /usr/bin/redis-cli }]
  raw_tls:
    endpoints: [{ host: raw.example.com, port: 443, tls: skip }]
    binaries: [{ path: /usr/bin/curl }]
  audit_api:
    endpoints:
      - host: audit.example.com
        port: 443
        protocol: rest
        enforcement: audit
        access: read-only
        deny_rules: [{ method: GET, path: "/private/**" }]
    binaries: [{ path: /usr/bin/curl }]
  slash:
    endpoints: [{ host: slash.example.com, port: 443, protocol: rest, access: read-only, allow_encoded_slash: true, deny_rules: [{ method: GET, path: "/files/private/**" }] }]
    binaries: [{ path: /usr/bin/curl }]
  agent_tree:
    endpoints: [{ host: agent.example.com, port: 443, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/local/bin/claude }]
  shared_b:
    endpoints:
      - host: shared.example.com
        port: 443
        protocol: rest
        rules: [{ allow: { method: DELETE, path: "/x" } }]
    binaries: [{ path: /usr/bin/curl }]
  shared_a:
    endpoints: [{ host: shared.example.com, port: 443, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/bin/curl }]
  mixed_l7:
    endpoints: [{ host: mixed.example.com, port: 443, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/bin/curl }]
  mixed_l4:
    endpoints: [{ host: mixed.example.com, port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
  ip_host:
    endpoints: [{ host: 203.0.113.7, port: 8080 }]
    binaries: [{ path: /usr/bin/curl }]
`;

const { policy, issues } = parsePolicy(POLICY, "decide.yaml");
assert.deepEqual(issues, []);
export const compiled = compilePolicy(policy!);

export const CURL = { exe: "/usr/bin/curl", ancestors: [] };
export function as(exe: string, ancestors: string[] = []): RequestFacts["identity"] {
  return { exe, ancestors };
}
export function l4(
  host: string,
  port: number,
  identity = CURL as RequestFacts["identity"],
): RequestFacts {
  return { host, port, identity };
}
export function l7(
  host: string,
  method: string,
  path: string,
  identity = CURL as RequestFacts["identity"],
  query?: string,
): RequestFacts {
  const f: RequestFacts = { host, port: 443, identity, method, path };
  if (query !== undefined) f.query = query;
  return f;
}

export interface Case {
  name: string;
  facts: RequestFacts;
  verdict: "allow" | "deny";
  reason: string;
  layer?: "l4" | "l7";
  policy?: string | null;
  /** Further fields that must be equal (undefined = must be absent). */
  also?: Partial<Decision>;
}

export const GH = "api.github.com";
export const GIT = as("/usr/bin/git");
export const PY = as("/usr/bin/python3");
