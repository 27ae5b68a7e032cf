/**
 * OpenShell's SSRF cases (`openshell_cases_destination.ts`) through `decide()` and the proxy's
 * own `DestinationResolver`, with each case's DNS answer in place of the system resolver.
 */
import assert from "node:assert/strict";
import { decide, needsAddresses } from "../proxy/policy/mod.ts";
import { DestinationResolver } from "../proxy/upstream/mod.ts";
import { compiledOf } from "./openshell_cases.ts";
import { type DestinationCase, DESTINATIONS } from "./openshell_cases_destination.ts";

/** Whether the proxy connects, and why not. */
async function reach(test: DestinationCase): Promise<string> {
  const answers = test.answers ?? [];
  const resolver = new DestinationResolver([], { lookup: () => Promise.resolve(answers) });
  if (typeof test.policy !== "string") {
    const result = await resolver.resolve(test.host, test.port, test.policy.allowedIps);
    return result.ok ? "connect" : `refuse (${result.reason})`;
  }
  let compiled;
  try {
    compiled = compiledOf(test.policy);
  } catch (error) {
    return `refuse (policy refused: ${error instanceof Error ? error.message : error})`;
  }
  const identity = { exe: "/usr/bin/curl", ancestors: [] };
  const facts = { host: test.host, port: test.port, identity };
  const hostless = needsAddresses(compiled, test.host, test.port);
  const decision = decide(compiled, hostless ? { ...facts, addresses: answers } : facts);
  if (decision.verdict === "deny") return `refuse (${decision.reason})`;
  const result = await resolver.resolve(
    test.host,
    test.port,
    decision.allowedIps,
    decision.addresses,
  );
  return result.ok ? "connect" : `refuse (${result.reason})`;
}

Deno.test("OpenShell proxy.rs and destination.rs: each destination is reached or refused as OpenShell's test pins", async () => {
  const wrong: string[] = [];
  for (const test of DESTINATIONS) {
    const got = await reach(test);
    if (!got.startsWith(test.expect)) {
      wrong.push(`${test.mirrors}: expected ${test.expect}, got ${got}`);
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("OpenShell destination cases: each deliberate difference is documented in the README", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const section = readme.split("\n## OpenShell compatibility\n")[1]?.split("\n## ")[0] ?? "";
  const missing = DESTINATIONS.filter((c) => c.differs && !section.includes(c.differs));
  assert.deepEqual(missing.map((c) => c.mirrors), []);
});
