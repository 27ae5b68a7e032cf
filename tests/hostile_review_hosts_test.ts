/**
 * A hostile agent against how a reviewer reads a host: an internationalized (punycode) name is
 * ASCII on the wire and in the rule, and reads as noise there (`xn--pple-43d.com`), while a
 * browser, a chat client or the agent's rationale shows it as a look-alike (`аpple.com`, with a
 * Cyrillic "а"). Before, it passed every check silently, so an auto-approve pattern or a reviewer
 * who took the rationale's word for it let the agent reach a look-alike site. Now it is a
 * warning that names what it displays as, with each non-ASCII character spelled out.
 */
import assert from "node:assert/strict";
import { makeRepo, putProposal } from "./gateway_fixtures.ts";
import { ProposalStore } from "../gateway/mod.ts";
import { runCliIn } from "./support/mod.ts";

async function findingsFor(host: string) {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const input = putProposal("I need apple.com");
    input.rule.endpoints[0]!.host = host;
    const result = await store.submit(input);
    assert.ok(result.accepted, JSON.stringify(result));
    const shown = await runCliIn(["proposals", "show", result.proposal.id], repo.root);
    return { findings: result.proposal.findings, shown: shown.out };
  } finally {
    await repo.cleanup();
  }
}

Deno.test("hostile review hosts: a punycode host is a warning naming the look-alike it displays as", async () => {
  for (const host of ["xn--pple-43d.com", "api.XN--PPLE-43D.com"]) {
    const { findings, shown } = await findingsFor(host);
    const idn = findings.find((f) => f.code === "idn_host");
    assert.ok(idn, `${host}: ${JSON.stringify(findings)}`);
    assert.equal(idn.severity, "warn");
    assert.match(idn.message, /<U\+0430>pple\.com/);
    assert.match(idn.message, /Cyrillic/);
    assert.match(shown, /idn_host/);
  }
  // A label no browser decodes is named as such.
  const bad = (await findingsFor("xn--zz.example.com")).findings.find((f) => f.code === "idn_host");
  assert.match(bad?.message ?? "", /not a valid internationalized name/);
  // Plain ASCII names are not flagged.
  for (const host of ["api.github.com", "API.GITHUB.COM", "xnx--a.example.com"]) {
    const { findings } = await findingsFor(host);
    assert.equal(findings.find((f) => f.code === "idn_host"), undefined, host);
  }
});
