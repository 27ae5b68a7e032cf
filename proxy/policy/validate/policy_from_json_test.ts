import assert from "node:assert/strict";
import { join } from "node:path";
import { parsePolicy } from "../yaml/mod.ts";
import { policyFromJson } from "./policy_from_json.ts";
import { policyHash } from "../load/mod.ts";
import { syntheticPolicy } from "../../../tests/support/synthetic_policy.ts";

const examples = new URL("../../../policies/examples/", import.meta.url).pathname;

Deno.test("policyFromJson() gives back every example policy exactly as its YAML parses", async () => {
  const files = [...Deno.readDirSync(examples)].map((e) => e.name).filter((n) =>
    n.endsWith(".yaml") && n !== "ceiling.yaml" && n !== "auto_approve.yaml"
  );
  assert(files.length >= 5);
  for (const name of files) {
    const { policy } = parsePolicy(await Deno.readTextFile(join(examples, name)), name);
    assert(policy, name);
    const again = policyFromJson(JSON.stringify(policy));
    assert.deepEqual(again, policy, name);
    assert.equal(policyHash(again!), policyHash(policy), name);
  }
  const synthetic = syntheticPolicy(50);
  assert.deepEqual(policyFromJson(JSON.stringify(synthetic)), synthetic);
});

Deno.test("policyFromJson() refuses what is not a clean policy (the caller parses the YAML)", () => {
  assert.equal(policyFromJson(""), undefined);
  assert.equal(policyFromJson("[1]"), undefined);
  assert.equal(policyFromJson('{"version":1,"surprise":true}'), undefined);
  const wildcard = { version: 1, network_policies: { r: { endpoints: [{ host: "*", port: 1 }] } } };
  assert.equal(policyFromJson(JSON.stringify(wildcard)), undefined);
  // A warning (deprecated `tls: terminate`) needs the YAML's positions: refused here too.
  const warned = {
    version: 1,
    network_policies: {
      r: {
        endpoints: [{ host: "a.example", port: 443, tls: "terminate" }],
        binaries: [{ path: "/usr/bin/curl" }],
      },
    },
  };
  assert.equal(policyFromJson(JSON.stringify(warned)), undefined);
});

Deno.test("policyFromJson() and parsePolicy() refuse an invisible character, written or escaped", () => {
  // The whole-text scan skips the walk over every string only when neither form can occur.
  const rule = (name: string) =>
    `{"version":1,"network_policies":{"r":{"name":"${name}","endpoints":[{"host":"a.example",` +
    `"port":443}],"binaries":[{"path":"/usr/bin/curl"}]}}}`;
  assert.ok(policyFromJson(rule("plain")));
  assert.equal(policyFromJson(rule("a\u202eb")), undefined);
  assert.equal(policyFromJson(rule("a\\u202eb")), undefined);
  const yaml = (name: string) =>
    `version: 1\nnetwork_policies:\n  r:\n    name: "${name}"\n` +
    `    endpoints: [{ host: a.example, port: 443 }]\n`;
  assert.ok(parsePolicy(yaml("plain"), "p.yaml").policy);
  for (const name of ["a\u202eb", "a\\u202eb", "a\\Lb"]) {
    assert.equal(parsePolicy(yaml(name), "p.yaml").policy, undefined, name);
  }
});
