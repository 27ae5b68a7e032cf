/**
 * A hostile agent against auto-approval: a proposed glob fits a pattern only when every path
 * (and binary) it grants is one the pattern's glob matches, never because its text does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import { makeRepo, putProposal } from "./gateway_fixtures.ts";
import { CEILING } from "./automation_fixtures.ts";

/** Curl's PUTs of one file directly under contents/, no deeper. */
const ONE_LEVEL = `version: 1
patterns:
  - name: top_files
    hosts: [api.github.com]
    ports: [443]
    methods: [PUT]
    paths: ["/repos/o/r/contents/*"]
    binaries: [/usr/bin/curl]
`;

Deno.test("hostile auto-approve: 'contents/**' never fits a pattern of 'contents/*' (the text '**' is one segment)", async () => {
  const repo = await makeRepo();
  try {
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), CEILING);
    await Deno.writeTextFile(join(repo.policies, "auto_approve.yaml"), ONE_LEVEL);
    const store = new ProposalStore({ policiesDir: repo.policies });
    const deep = putProposal();
    deep.rule.endpoints[0]!.rules = [{ allow: { method: "PUT", path: "/repos/o/r/contents/**" } }];
    const r = await store.submit({ ...deep, ruleName: "deep" });
    assert.ok(r.accepted, JSON.stringify(r));
    // Before: approved as "auto (top_files)", granting every depth under contents/.
    assert.equal(r.proposal.status, "pending");
    const top = putProposal();
    top.rule.endpoints[0]!.rules = [{ allow: { method: "PUT", path: "/repos/o/r/contents/*" } }];
    const t = await store.submit({ ...top, ruleName: "top" });
    assert.ok(t.accepted && t.proposal.status === "approved", JSON.stringify(t));
  } finally {
    await repo.cleanup();
  }
});
