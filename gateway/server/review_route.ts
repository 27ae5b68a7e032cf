/**
 * `GET /v1/proposals/:id/review`: everything the inbox's proposal page shows, as JSON, for a
 * reviewer credential (CLI and script parity with the web inbox): the proposal, its diff, its
 * endpoints in OpenShell's `format_endpoint` form, the recent denials that led to it, the
 * approval commit, and for a pending one what approval would do now (`application_error`,
 * `candidate_policy_hash`, `review_token`, the org ceiling included).
 *
 * @module
 */

import type { Hono } from "hono";
import { formatEndpoint } from "../../proxy/policy/mod.ts";
import { type GatewayEnv, reviewer } from "./_caller.ts";
import { ROUTE_PROPOSAL_REVIEW } from "../client/mod.ts";
import { proposalCommits, proposalDenials, readForReview } from "../inbox/mod.ts";
import { isProposalId } from "../proposals/mod.ts";
import type { ProposalStore } from "../store/mod.ts";
import { proposalJson } from "../proposals/mod.ts";
import type { ProposalStatus } from "../../proxy/policy_local/mod.ts";

/**
 * Add the review route to the gateway app.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CredentialStore, DirectoryWatcher, EventHub, ProposalStore } from "../mod.ts";
 * import { createGatewayApp } from "./gateway_app.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const hub = new EventHub();
 * const watcher = new DirectoryWatcher({ policiesDir: dir, hub });
 * const store = new ProposalStore({ policiesDir: dir });
 * const credentials = new CredentialStore(`${dir}/.state`);
 * const app = createGatewayApp({ store, watcher, hub, token: "host-token", credentials });
 * const alice = { authorization: `Bearer ${await credentials.addReviewer("alice")}` };
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const res = await app.request(`/v1/proposals/${submitted.proposal.id}/review`, { headers: alice });
 * const review = await res.json();
 * assert.equal(review.status, "pending");
 * assert.equal(review.application_error, "");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function reviewRoute(app: Hono<GatewayEnv>, store: ProposalStore, logDir?: string): void {
  app.get(ROUTE_PROPOSAL_REVIEW, async (c) => {
    reviewer(c);
    const id = c.req.param("id") ?? "";
    const read = isProposalId(id) ? await readForReview(store, id) : undefined;
    if (!read) return c.json({ error: "not_found" }, 404);
    const { record, state: candidate } = read;
    const [denials, commits] = await Promise.all([
      logDir ? proposalDenials(logDir, record) : [],
      record.state === "approved" ? proposalCommits(store.policiesDir) : new Map<string, string>(),
    ]);
    const commit = commits.get(id);
    // What approval would do now, the org ceiling included (as the agent's status says it);
    // read before the findings, so an approval naming its hash approves what was read.
    return c.json({
      ...proposalJson(record),
      ...(candidate ? previewOf(candidate) : {}),
      sandbox: record.meta.sandbox,
      endpoints: record.rule.endpoints.map((e) => formatEndpoint(e)),
      diff: record.diff,
      denials,
      ...(commit ? { commit } : {}),
    });
  });
}

function previewOf(status: ProposalStatus): Record<string, string> {
  return {
    application_error: status.applicationError ?? "",
    current_policy_hash: status.currentPolicyHash ?? "",
    candidate_policy_hash: status.candidatePolicyHash ?? "",
    review_token: status.reviewToken ?? "",
  };
}
