/**
 * A hostile agent against the `writable_binary` check through its working directory. With
 * `include_workdir: true` the sandbox's working directory is writable, so a rule for a binary
 * there (or a glob reaching one) is a rule for any program the agent writes there, while the
 * reviewer reads the program's name. Before, the gateway did not know that directory and such a
 * rule read as any other (and could be auto-approved). Now the proxy that runs the sandbox names
 * its working directory with each submit (never the agent), the patch records it, and every
 * check of the proposal (submit, listing, show, approval) warns.
 */
import assert from "node:assert/strict";
import { ProposalStore } from "../gateway/mod.ts";
import type { Finding, ProposalInput } from "../proxy/policy_local/mod.ts";
import { makeRepo, putProposal, TEAM_POLICY } from "./gateway_fixtures.ts";
import { withGateway } from "./gateway_server_fixtures.ts";
import { policyLocal } from "./hostile_fixtures.ts";
import { runCliIn } from "./support/mod.ts";

const WORKDIR = "/srv/project";

function toolProposal(path: string, workdir?: string): ProposalInput {
  const input: ProposalInput = {
    ...putProposal("run the build tool"),
    ruleName: `r_${path.replace(/\W/g, "_")}`,
    sandbox: "sb-1",
    ...(workdir === undefined ? {} : { workdir }),
  };
  input.rule.binaries = [{ path }];
  return input;
}

const writable = (findings: Finding[] | undefined) =>
  findings?.find((f) => f.code === "writable_binary");

Deno.test("hostile review workdir: a binary in the sandbox's working directory warns at submit, in the listing and in show", async () => {
  const repo = await makeRepo(); // TEAM_POLICY: include_workdir: true
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    for (const path of [`${WORKDIR}/bin/tool`, "/srv/*/bin/tool", `${WORKDIR}/**`]) {
      const r = await store.submit(toolProposal(path, WORKDIR));
      assert.ok(r.accepted, JSON.stringify(r));
      const f = writable(r.proposal.findings);
      assert.equal(f?.severity, "warn", `${path}: ${JSON.stringify(r.proposal.findings)}`);
      assert.match(f!.message, /working directory/);
      const id = r.proposal.id;
      assert.ok(writable((await store.get(id))?.meta.findings), "show / get");
      const listed = (await store.listing({ status: "pending" })).find((p) => p.id === id);
      assert.ok(writable(listed?.meta.findings), "listing");
    }
    const shown = await runCliIn(["proposals", "list", "--json"], repo.root);
    assert.match(shown.out, /writable_binary/);
    // Outside the working directory, or from no sandbox: as before.
    const other = await store.submit(toolProposal("/srv/other/tool", WORKDIR));
    assert.ok(other.accepted && !writable(other.proposal.findings));
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile review workdir: without include_workdir the working directory is not writable and does not warn", async () => {
  const repo = await makeRepo({ policy: TEAM_POLICY.replace("  include_workdir: true", "") });
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const r = await store.submit(toolProposal(`${WORKDIR}/bin/tool`, WORKDIR));
    assert.ok(r.accepted && !writable(r.proposal.findings), JSON.stringify(r));
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile review workdir: policy.local names the proxy's working directory, never one the agent sends", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const app = policyLocal(store, "sb-1", WORKDIR);
    const post = (path: string, extra: Record<string, unknown>) =>
      app.request("http://policy.local/v1/proposals", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          intent_summary: "run the build tool",
          ...extra,
          operations: [{ addRule: { ruleName: "tool", rule: toolProposal(path).rule, ...extra } }],
        }),
      });
    const res = await post(`${WORKDIR}/bin/tool`, { workdir: "/elsewhere" });
    assert.equal(res.status, 202, await res.clone().text());
    const id = (await res.json()).accepted_chunk_ids[0];
    const record = await store.get(id);
    assert.equal(record?.meta.workdir, WORKDIR);
    assert.ok(writable(record?.meta.findings), JSON.stringify(record?.meta.findings));
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile review workdir: the gateway takes a proxy's working directory with its submit and refuses a relative one", () =>
  withGateway(async (_repo, _gw, client) => {
    const r = await client.submit({
      ...toolProposal(`${WORKDIR}/bin/tool`, WORKDIR),
      policy: "team",
    });
    assert.ok(r.accepted, JSON.stringify(r));
    assert.ok(writable(r.proposal.findings), JSON.stringify(r.proposal.findings));
    await assert.rejects(
      client.submit({ ...toolProposal("/usr/bin/tool", "relative/dir"), policy: "team" }),
      /workdir/,
    );
  }));
