/**
 * `/wait` after approving a host-pattern rule that another L7 rule narrows: the approved rule is
 * live the moment the proxy holds it, even though an inspecting endpoint on one of its hosts means
 * the pattern as a whole is never "already covered". Before, an honest agent waited forever.
 */
import assert from "node:assert/strict";
import { withProxy } from "./openshell_fixtures.ts";

const PATTERN_RULE = {
  name: "github-any",
  endpoints: [{ host: "*.github.com", port: 443 }],
  binaries: [{ path: "/usr/bin/curl" }],
};

Deno.test("policy.local /wait: an approved host pattern beside an L7 rule on one of its hosts reports policy_reloaded", () =>
  withProxy(async (h) => {
    const submitted = await h.call("/v1/proposals", {
      intent_summary: "reach github subdomains",
      operations: [{ addRule: { ruleName: "github_any", rule: PATTERN_RULE } }],
    });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.json));
    const id = (submitted.json.accepted_chunk_ids as string[])[0]!;
    await h.store.approve(id, { approvedBy: "alice" });
    const waited = await h.call(`/v1/proposals/${id}/wait?timeout=3`);
    assert.equal(waited.status, 200);
    assert.equal(waited.json.status, "approved");
    assert.equal(waited.json.policy_reloaded, true, JSON.stringify(waited.json));
  }));
