/**
 * The proxy-with-a-store harness of the OpenShell contract tests (#14): a repository, its
 * proposal store, a proxy in front, and `call()` to policy.local through it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import { startProxyService } from "../proxy/mod.ts";
import { curlArgs } from "./support/mod.ts";
import { makeRepo, putProposal, TEAM_POLICY, type TempRepo } from "./gateway_fixtures.ts";

const LOCAL = "http://policy.local";

/** A proxy for policy "team" whose proposals land in `store`; `call()` speaks to policy.local. */
export interface Harness {
  repo: TempRepo;
  store: ProposalStore;
  port: number;
  call(path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
}

/**
 * Run `fn` against a fresh repository (`policy` as team.yaml) and a proxy in front of it;
 * `resolve` holds the proxy's `host:port:addr` overrides.
 */
export async function withProxy(
  fn: (h: Harness) => Promise<void>,
  policy = TEAM_POLICY,
  resolve: string[] = [],
): Promise<void> {
  const repo = await makeRepo({ policy });
  const store = new ProposalStore({ policiesDir: repo.policies });
  const service = await startProxyService({
    policy: "team",
    policiesDir: repo.policies,
    stateDir: join(repo.root, ".tollgate"),
    sink: store,
    resolve,
  });
  const proxy = ["-x", `http://127.0.0.1:${service.port}`];
  const call = async (path: string, body?: unknown) => {
    const data = body === undefined ? [] : ["--data-binary", JSON.stringify(body)];
    const res = await curlArgs([...proxy, ...data, `${LOCAL}${path}`]);
    return { status: res.status, json: JSON.parse(res.body) };
  };
  try {
    await fn({ repo, store, port: service.port, call });
  } finally {
    await service.close();
    await repo.cleanup();
  }
}

/** OpenShell's submit body; `intent_summary` is optional there (`Option<String>`). */
export function proposalBody(withSummary = true): Record<string, unknown> {
  const { rule } = putProposal();
  const operations = [{ addRule: { ruleName: "gh_contents_write", rule } }];
  return withSummary ? { intent_summary: "write x.md", operations } : { operations };
}

/** Submit the proposal body through policy.local; the accepted chunk's id. */
export async function submit(h: Harness, withSummary = true): Promise<string> {
  const res = await h.call("/v1/proposals", proposalBody(withSummary));
  assert.equal(res.status, 202, JSON.stringify(res.json));
  assert.notEqual(res.json.accepted_chunks, 0);
  return (res.json.accepted_chunk_ids as string[])[0]!;
}
