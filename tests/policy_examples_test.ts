import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  decide,
  formatIssue,
  loadPolicyFile,
  PolicyValidationError,
  restAllows,
  restDenies,
} from "../proxy/policy/mod.ts";
import type { LoadedPolicy, Policy } from "../proxy/policy/mod.ts";

const root = fileURLToPath(new URL("../policies/", import.meta.url));
// Proposal directories hold patches, not policies.
const SKIP = new Set(["pending", "approved", "rejected"]);

function policyFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && !SKIP.has(entry.name)) out.push(...policyFiles(path));
    // auto_approve.yaml holds patterns, not a policy (automation_scopes_test.ts reads it).
    else if (entry.isFile && /\.ya?ml$/.test(entry.name) && entry.name !== "auto_approve.yaml") {
      out.push(path);
    }
  }
  return out.sort();
}

async function loadAll(): Promise<Map<string, LoadedPolicy>> {
  const loaded = new Map<string, LoadedPolicy>();
  const problems: string[] = [];
  for (const file of policyFiles(root)) {
    try {
      loaded.set(relative(root, file), await loadPolicyFile(file));
    } catch (error) {
      if (!(error instanceof PolicyValidationError)) throw error;
      problems.push(...error.issues.map(formatIssue));
    }
  }
  assert.deepEqual(problems, []);
  return loaded;
}

Deno.test("policies/**/*.yaml all validate", async () => {
  const loaded = await loadAll();
  assert.ok(loaded.has("demo.yaml"));
  assert.ok([...loaded.keys()].filter((k) => k.startsWith("examples/")).length >= 4);
});

Deno.test("policies/demo.yaml is the demo's starting point", async () => {
  const demo = (await loadAll()).get("demo.yaml")!;
  assert.equal(demo.policy.revision, 0);
  assert.deepEqual(Object.keys(demo.policy.network_policies), ["gh_ro"]);
  assert.equal(demo.policy.network_policies.gh_ro?.name, "github-readonly");
  const identity = { exe: "/usr/bin/curl", ancestors: [] };
  const get = decide(demo.compiled, {
    host: "api.github.com",
    port: 443,
    identity,
    method: "GET",
    path: "/repos/o/r",
  });
  assert.equal(get.verdict, "allow");
  const put = decide(demo.compiled, {
    host: "api.github.com",
    port: 443,
    identity,
    method: "PUT",
    path: "/repos/o/r/contents/x.md",
  });
  assert.equal(put.verdict, "deny");
  assert.equal(put.reason, "PUT /repos/o/r/contents/x.md not permitted by policy");
  assert.equal(put.policy, "gh_ro");
});

Deno.test("policies/examples cover every feature of the format", async () => {
  const loaded = await loadAll();
  const examples = [...loaded].filter(([k]) => k.startsWith("examples/")).map(([, v]) => v.policy);
  const endpoints = examples.flatMap((p: Policy) =>
    Object.values(p.network_policies).flatMap((r) => r.endpoints)
  );
  const binaries = examples.flatMap((p: Policy) =>
    Object.values(p.network_policies).flatMap((r) => r.binaries ?? [])
  );
  const matchers = endpoints.flatMap((e) => [...restAllows(e), ...restDenies(e)]);
  const features: Record<string, boolean> = {
    l4: endpoints.some((e) => e.protocol === undefined),
    presets: ["read-only", "read-write"].every((a) => endpoints.some((e) => e.access === a)),
    explicitRules: endpoints.some((e) => e.rules !== undefined),
    denyRules: endpoints.some((e) => e.deny_rules !== undefined),
    audit: endpoints.some((e) => e.enforcement === "audit"),
    queryString: matchers.some((m) =>
      Object.values(m.query ?? {}).some((q) => typeof q === "string")
    ),
    queryGlob: matchers.some((m) =>
      Object.values(m.query ?? {}).some((q) => typeof q === "object" && "glob" in q)
    ),
    queryAny: matchers.some((m) =>
      Object.values(m.query ?? {}).some((q) => typeof q === "object" && "any" in q)
    ),
    oneLabelWildcard: endpoints.some((e) => e.host?.startsWith("*.")),
    manyLabelWildcard: endpoints.some((e) => e.host?.startsWith("**.")),
    portList: endpoints.some((e) => (e.ports?.length ?? 0) > 1),
    binaryGlob: binaries.some((b) => b.path.includes("*")),
    tlsSkip: endpoints.some((e) => e.tls === "skip"),
    allowedIps: endpoints.some((e) => e.allowed_ips !== undefined),
    hostless: endpoints.some((e) => e.host === undefined),
    encodedSlash: endpoints.some((e) => e.allow_encoded_slash === true),
    staticSections: examples.some((p) => p.filesystem_policy && p.landlock && p.process),
    graphql: endpoints.some((e) => e.protocol === "graphql"),
    mcp: endpoints.some((e) => e.protocol === "mcp" && e.mcp?.allow_all_known_mcp_methods),
    jsonRpc: endpoints.some((e) => e.protocol === "json-rpc" && e.deny_rules !== undefined),
  };
  assert.deepEqual(Object.entries(features).filter(([, v]) => !v).map(([k]) => k), []);
});
