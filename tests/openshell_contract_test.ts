/**
 * Issue #14, items 13-15: the agent contract as a harness written for NVIDIA OpenShell's
 * policy advisor sees it: chunk state, rejections, 404s, the 403's header, /v1/denials. Each
 * test names the OpenShell source it copies: the e2e steps in `e2e/policy-advisor/` (test.sh,
 * wait-smoke.sh), and `policy_local.rs` on main (after PR #2850).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadPolicyText } from "../proxy/policy/mod.ts";
import { curlArgs, rawRequest } from "./support/mod.ts";
import { TEAM_POLICY } from "./gateway_fixtures.ts";
import { proposalBody, submit, withProxy } from "./openshell_fixtures.ts";

const HEX64 = /^[0-9a-f]{64}$/;

const CHUNK_STATE_KEYS = [
  "application_error",
  "binaries", // Tollgate's, additive: every binary of the rule (`binary` names the first)
  "binary",
  "candidate_effective_policy_hash",
  "chunk_id",
  "current_effective_policy_hash",
  "rejection_reason",
  "review_token",
  "rule_name",
  "status",
  "validation_result",
];

Deno.test("openshell #14: chunk state carries #2850's fields; the hashes are the policy's before and after approval (wait-smoke.sh Flow A)", () =>
  withProxy(async (h) => {
    const id = await submit(h);
    const before = await h.call("/v1/policy/current");
    const pending = (await h.call(`/v1/proposals/${id}`)).json;
    // policy_local.rs chunk_state_payload: every proto string is present, empty when unset.
    assert.deepEqual(Object.keys(pending).sort(), CHUNK_STATE_KEYS);
    assert.equal(pending.status, "pending");
    assert.equal(pending.binary, "/usr/bin/curl");
    assert.equal(pending.rejection_reason, "");
    assert.equal(pending.application_error, "");
    assert.match(pending.review_token as string, HEX64);
    assert.equal(pending.current_effective_policy_hash, before.json.hash);
    assert.match(pending.candidate_effective_policy_hash as string, HEX64);
    assert.notEqual(pending.candidate_effective_policy_hash, before.json.hash);

    await h.store.approve(id, { approvedBy: "alice" });
    const waited = await h.call(`/v1/proposals/${id}/wait?timeout=10`);
    assert.equal(waited.status, 200);
    const approved = waited.json;
    assert.deepEqual(Object.keys(approved).sort(), [...CHUNK_STATE_KEYS, "policy_reloaded"].sort());
    assert.equal(approved.status, "approved");
    assert.equal(approved.policy_reloaded, true);
    assert.equal(approved.rejection_reason, "", "an approved proposal sends an empty reason");
    assert.equal(approved.application_error, "");
    const after = await h.call("/v1/policy/current");
    // What was reviewed is what is enforced: the candidate hash is the new policy's hash.
    assert.equal(approved.candidate_effective_policy_hash, after.json.hash);
    assert.equal(approved.current_effective_policy_hash, before.json.hash);
    assert.equal(approved.review_token, pending.review_token);
  }));

Deno.test("openshell #14: a rejection's reason round-trips exactly, hashes empty (wait-smoke.sh Flow B)", () =>
  withProxy(async (h) => {
    const id = await submit(h);
    const reason = "scope to docs/ paths only, not the whole repo";
    await h.store.reject(id, { rejectedBy: "bob", reason });
    const { json } = await h.call(`/v1/proposals/${id}/wait?timeout=5`);
    assert.deepEqual(Object.keys(json).sort(), CHUNK_STATE_KEYS);
    assert.equal(json.status, "rejected");
    assert.equal(json.rejection_reason, reason);
    assert.equal(json.candidate_effective_policy_hash, "");
    assert.equal(json.review_token, "");
  }));

Deno.test("openshell #14: application_error says why a pending proposal cannot apply now (#2850 candidate preflight)", () =>
  withProxy(async (h) => {
    const id = await submit(h);
    // Someone adds a rule under the same key by hand: the reviewed rule no longer applies.
    const file = join(h.repo.policies, "team.yaml");
    const taken = TEAM_POLICY.replace(
      "\nfilesystem_policy:",
      "  gh_contents_write:\n    endpoints: [{ host: example.com, port: 443 }]\n" +
        "    binaries: [{ path: /usr/bin/curl }]\n\nfilesystem_policy:",
    );
    await Deno.writeTextFile(file, taken);
    const { json } = await h.call(`/v1/proposals/${id}`);
    assert.equal(json.status, "pending");
    assert.match(json.application_error as string, /already has a rule "gh_contents_write"/);
    assert.equal(json.current_effective_policy_hash, loadPolicyText(taken, "team.yaml").hash);
    assert.equal(json.candidate_effective_policy_hash, "");
    assert.equal(json.review_token, "");
  }));

Deno.test("openshell #15: an unknown chunk id answers 404 chunk_not_found in OpenShell's shape (policy_local.rs chunk_not_found_payload)", () =>
  withProxy(async (h) => {
    for (const path of ["/v1/proposals/p-unknown", "/v1/proposals/p-unknown/wait?timeout=1"]) {
      const res = await h.call(path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.json, {
        error: "chunk_not_found",
        detail: "chunk 'p-unknown' is not present in this sandbox's draft policy",
      });
    }
  }));

Deno.test("openshell #15: a proposal without intent_summary is accepted (policy_local.rs ProposalRequest: Option<String>)", () =>
  withProxy(async (h) => {
    const id = await submit(h, false);
    assert.equal((await h.call(`/v1/proposals/${id}`)).json.status, "pending");
    const wrong = await h.call("/v1/proposals", { ...proposalBody(), intent_summary: 7 });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json.error, "invalid_proposal");
  }));

Deno.test("openshell #15: the 403 carries X-OpenShell-Policy with X-Tollgate-Policy's value (test.sh put-file step)", () =>
  withProxy(async (h) => {
    const res = await rawRequest(
      h.port,
      "GET http://blocked.example/x HTTP/1.1\r\nHost: blocked.example\r\n\r\n",
    );
    assert.equal(res.status, 403);
    const header = (name: string) =>
      new RegExp(`^${name}: (.*)$`, "mi").exec(res.head)?.[1]?.trim();
    assert.ok(header("X-Tollgate-Policy") !== undefined, res.head);
    assert.equal(header("X-OpenShell-Policy"), header("X-Tollgate-Policy"));
  }));

Deno.test("openshell #15: each /v1/denials entry keeps OpenShell's raw line in `line` (policy_local.rs is_ocsf_denial_line)", () =>
  withProxy(async (h) => {
    const denied = await curlArgs([
      "-x",
      `http://127.0.0.1:${h.port}`,
      "http://blocked.example/a?token=s3cret",
    ]);
    assert.equal(denied.status, 403);
    const { json } = await h.call("/v1/denials?last=5");
    const [entry] = json.denials as { line: string }[];
    // `<ISO time> OCSF <shorthand>` as in the log file; an OpenShell agent greps these tokens.
    assert.match(
      entry!.line,
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z OCSF NET:\S+ \[MED\] DENIED /,
    );
    assert.ok(entry!.line.includes(" OCSF ") && entry!.line.includes(" DENIED "));
    assert.ok(!entry!.line.includes("s3cret"));
  }));
