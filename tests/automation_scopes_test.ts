/**
 * #17 items 3 and 4: auto-approval within a pattern and the ceiling, and scoped rules
 * enforced by a real proxy (lease expiry, once, session).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import { parseAutoPatterns } from "../gateway/automation/mod.ts";
import type { OcsfEvent } from "../proxy/ocsf/mod.ts";
import { leaseComment } from "../proxy/policy/mod.ts";
import { curl, startTestProxy, startTestUpstreams } from "./support/mod.ts";
import { putProposal } from "./gateway_fixtures.ts";
import { autoApproveRepo } from "./automation_fixtures.ts";

async function autoRepo() {
  const repo = await autoApproveRepo();
  const events: OcsfEvent[] = [];
  const store = new ProposalStore({ policiesDir: repo.policies, emit: (e) => events.push(e) });
  return { repo, store, events };
}

Deno.test("automation #17.3: a proposal inside a pattern and the ceiling is approved by auto, leased 1 h, committed and audited", async () => {
  const { repo, store, events } = await autoRepo();
  try {
    const r = await store.submit(putProposal());
    assert.ok(r.accepted);
    assert.equal(r.proposal.status, "approved");
    assert.equal(r.proposal.scope, "lease");
    const left = Date.parse(r.proposal.expiresAt!) - Date.now();
    assert.ok(left > 59 * 60_000 && left <= 3_600_000, String(left));
    const log = await repo.git("log", "-1", "--format=%B");
    assert.match(log, /Approved-By: auto \(repo_contents\)/);
    assert.match(log, /Scope: lease/);
    const policy = await Deno.readTextFile(join(repo.policies, "team.yaml"));
    assert.match(
      policy,
      /# tollgate lease scope=lease expires=\S+ proposal=\S+\n\s+gh_contents_write:/,
    );
    const approved = events.find((e) => e.unmapped?.config_state === "APPROVED");
    assert.equal(approved?.unmapped?.auto, true);
    assert.equal(approved?.unmapped?.auto_pattern, "repo_contents");
  } finally {
    await repo.cleanup();
  }
});

Deno.test("automation #17.3: outside the pattern, or without a ceiling, a proposal waits for a person", async () => {
  const { repo, store } = await autoRepo();
  try {
    const other = putProposal();
    other.rule.endpoints[0]!.rules = [{ allow: { method: "PUT", path: "/repos/o/r/issues" } }];
    const r = await store.submit({ ...other, ruleName: "issues" });
    assert.ok(r.accepted);
    assert.equal(r.proposal.status, "pending");
    await Deno.remove(join(repo.policies, "ceiling.yaml"));
    const s = await store.submit(putProposal());
    assert.ok(s.accepted);
    assert.equal(s.proposal.status, "pending");
  } finally {
    await repo.cleanup();
  }
});

const HOSTS = ["api.github.com"];
const scoped = (comment: string) =>
  `version: 1
network_policies:
  ${comment}
  gh_put:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, rules: [{ allow: { method: GET, path: "/x" } }] }
    binaries: [{ path: /usr/bin/curl }]
`;

async function withScopedProxy(
  comment: string,
  run: (get: () => Promise<number>, sandbox: string) => Promise<void>,
  options: { now?: () => number } = {},
): Promise<void> {
  const upstreams = await startTestUpstreams({ hosts: HOSTS });
  const proxy = await startTestProxy({
    policy: scoped(comment),
    upstreams,
    httpsHosts: HOSTS,
    now: options.now,
  });
  try {
    const get = async () =>
      (await curl(["https://api.github.com/x"], { proxyPort: proxy.port, caPath: proxy.caPath }))
        .status;
    await run(get, proxy.holder.sandbox ?? "");
  } finally {
    await proxy.close();
    await upstreams.close();
  }
}

Deno.test("automation #17.4: a real proxy stops allowing a leased rule at its expiry, without a reload", async () => {
  // The proxy reads the test's clock: however long its start-up takes on a loaded machine
  // (the lease once ran out before the first request), the lease is live for the first
  // request and over for the second, with no reload between.
  let clock = Date.now();
  const expiresAt = clock + 60_000;
  const comment = leaseComment({ scope: "lease", expiresAt });
  await withScopedProxy(comment, async (get) => {
    assert.equal(await get(), 200);
    clock = expiresAt;
    assert.equal(await get(), 403);
  }, { now: () => clock });
});

Deno.test("automation #17.4: a once rule allows exactly one request", async () => {
  const expiresAt = Date.now() + 600_000;
  await withScopedProxy(leaseComment({ scope: "once", expiresAt }), async (get) => {
    assert.equal(await get(), 200);
    assert.equal(await get(), 403);
    assert.equal(await get(), 403);
  });
});

Deno.test("automation #17.4: a session rule serves only the sandbox it was approved for", async () => {
  await withScopedProxy(leaseComment({ scope: "session", sandbox: "sb-other" }), async (get) => {
    assert.equal(await get(), 403);
  });
});

Deno.test("automation #17.3: the shipped examples/auto_approve.yaml parses", async () => {
  const url = new URL("../policies/examples/auto_approve.yaml", import.meta.url);
  const patterns = parseAutoPatterns(await Deno.readTextFile(url));
  assert.deepEqual(patterns.map((p) => p.name), ["repo_contents_writes", "package_reads"]);
});
