/**
 * A proxy's link to several gateways (#19): failover, and never a step back to a lower
 * revision (a gateway that has not fetched yet must not bring back what was revoked).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { GatewayPool, readGatewayToken, startGateway } from "../gateway/mod.ts";
import { TEAM_POLICY } from "./gateway_fixtures.ts";

const withRevision = (n: number, extra = "") =>
  TEAM_POLICY.replace("revision: 3", `revision: ${n}`).replace(
    "\nfilesystem_policy:",
    `${extra}\nfilesystem_policy:`,
  );

const WIDE = `  widened:
    endpoints:
      - { host: wide.example.com, port: 443 }
    binaries:
      - path: /usr/bin/curl
`;

Deno.test("remote #19: a proxy naming two gateways fails over and never takes a lower revision", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-failover-" });
  for (const [name, text] of [["one", withRevision(5)], ["two", withRevision(3, WIDE)]]) {
    await Deno.mkdir(join(dir, name!));
    await Deno.writeTextFile(join(dir, name!, "team.yaml"), text!);
  }
  const state = join(dir, "state");
  const start = (name: string) =>
    startGateway({ policiesDir: join(dir, name), stateDir: state, listen: "127.0.0.1:0" });
  const one = await start("one");
  const two = await start("two");
  const controller = new AbortController();
  let following: Promise<void> | undefined;
  let oneOpen = true;
  try {
    const pool = await GatewayPool.enrol({
      urls: [one.url, two.url],
      hostToken: await readGatewayToken(state),
      policy: "team",
      retryMs: 20,
    });
    assert.match(await pool.initial(), /revision: 5/);
    const delivered: string[] = [];
    following = pool.follow((text) => delivered.push(text), controller.signal);
    await one.close();
    oneOpen = false;
    // Gateway two is behind (revision 3, with a rule since revoked): it must not be applied.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(delivered, []);
    await Deno.writeTextFile(join(dir, "two", "team.yaml"), withRevision(6));
    const end = Date.now() + 10_000;
    while (delivered.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(delivered.length, 1);
    assert.match(delivered[0]!, /revision: 6/);
    assert.doesNotMatch(delivered.join("\n"), /widened/);
    // Proposals go through the gateway that answers.
    assert.equal(await pool.status("p-20260101T000000-aaaaaa"), undefined);
    await pool.retire();
  } finally {
    controller.abort();
    await following;
    if (oneOpen) await one.close();
    await two.close();
    await Deno.remove(dir, { recursive: true });
  }
});
