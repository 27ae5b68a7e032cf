/**
 * OpenShell's own decision and parsing tests, case by case, through Tollgate's loader and
 * `decide()`. Each table names the OpenShell file it mirrors and each case its test; a case
 * Tollgate answers differently on purpose names its entry in the README's "OpenShell
 * compatibility" section, which this test checks is there.
 */
import assert from "node:assert/strict";
import { checkDecideCase, checkLoadCase } from "./openshell_cases.ts";
import type { DecideCase, LoadCase } from "./openshell_cases.ts";
import { L4 } from "./openshell_cases_opa_l4.ts";
import { L7_REST } from "./openshell_cases_opa_rest.ts";
import { HOSTS } from "./openshell_cases_opa_hosts.ts";
import { OPA_RPC } from "./openshell_cases_opa_rpc.ts";
import { OPA_GRAPHQL } from "./openshell_cases_opa_graphql.ts";
import { RPC_CLASSIFY } from "./openshell_cases_rpc_classify.ts";
import { GRAPHQL_CLASSIFY } from "./openshell_cases_graphql_classify.ts";
import { checkPathCase, PATHS } from "./openshell_cases_path.ts";
import { WIRE } from "./openshell_cases_wire.ts";
import { RELAY } from "./openshell_cases_relay.ts";
import { L7_VALIDATE } from "./openshell_cases_l7_validate.ts";
import { L7_VALIDATE_HOSTS } from "./openshell_cases_l7_validate_hosts.ts";
import { POLICY_LIB } from "./openshell_cases_policy_lib.ts";
import { AMBIGUITY } from "./openshell_cases_ambiguity.ts";

const DECIDE: Record<string, DecideCase[]> = {
  "opa.rs: binaries, hosts, ports": L4,
  "opa.rs: REST rules, presets, queries, deny rules": L7_REST,
  "opa.rs: host wildcards, ports, allowed_ips, HEAD": HOSTS,
  "opa.rs: GraphQL and GraphQL over WebSocket": OPA_GRAPHQL,
  "opa.rs: JSON-RPC and MCP": OPA_RPC,
  "jsonrpc.rs: classified JSON-RPC and MCP bodies": RPC_CLASSIFY,
  "graphql.rs, websocket.rs: classified GraphQL documents and messages": GRAPHQL_CLASSIFY,
  "relay.rs: what its relay decides": RELAY,
};
const LOAD: Record<string, LoadCase[]> = {
  "l7/mod.rs: endpoint validation": L7_VALIDATE,
  "l7/mod.rs and l7_validate.rs: hosts, ports, protocols": L7_VALIDATE_HOSTS,
  "openshell-policy lib.rs: whole documents": POLICY_LIB,
  "openshell-policy ambiguity.rs: overlapping endpoints": AMBIGUITY,
};

for (const [table, cases] of Object.entries(DECIDE)) {
  Deno.test(`OpenShell ${table}: every case decides as OpenShell's test pins`, () => {
    const wrong = cases.flatMap((c) => {
      const problem = checkDecideCase(c);
      return problem === undefined ? [] : [`${c.mirrors}: ${problem}`];
    });
    assert.deepEqual(wrong, []);
  });
}

for (const [table, cases] of Object.entries(LOAD)) {
  Deno.test(`OpenShell ${table}: every document loads or is refused as OpenShell's test pins`, () => {
    const wrong = cases.flatMap((c) => {
      const problem = checkLoadCase(c);
      return problem === undefined ? [] : [`${c.mirrors}: ${problem}`];
    });
    assert.deepEqual(wrong, []);
  });
}

Deno.test("OpenShell path.rs: every path canonicalises as OpenShell's test pins", () => {
  const wrong = PATHS.flatMap((c) => {
    const problem = checkPathCase(c);
    return problem === undefined ? [] : [`${c.mirrors} ${JSON.stringify(c.raw)}: ${problem}`];
  });
  assert.deepEqual(wrong, []);
});

Deno.test("OpenShell cases: the checks report a case answered otherwise (none passes vacuously)", () => {
  const allow = L4[0]!;
  assert.match(checkDecideCase({ ...allow, expect: "deny" }) ?? "", /expected deny, got allow/);
  assert.match(checkDecideCase({ ...allow, rule: "another" }) ?? "", /^rule/);
  const refused = L7_VALIDATE.find((c) => c.expect === "refuse")!;
  assert.match(checkLoadCase({ ...refused, expect: "load" }) ?? "", /expected load, got refuse/);
  assert.match(checkPathCase({ ...PATHS[0]!, expect: "/elsewhere" }) ?? "", /expected \/elsewhere/);
});

Deno.test("OpenShell cases: each deliberate difference is documented in the README", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const section = readme.split("\n## OpenShell compatibility\n")[1]?.split("\n## ")[0] ?? "";
  const all = [...Object.values(DECIDE).flat(), ...Object.values(LOAD).flat(), ...WIRE];
  assert.ok(all.some((c) => c.differs), "the tables name their differences");
  const missing = all.filter((c) => c.differs && !section.includes(c.differs));
  assert.deepEqual(missing.map((c) => `${c.mirrors}: ${c.differs}`), []);
});
