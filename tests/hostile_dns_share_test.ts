/**
 * One client's names that never resolve, against another client's lookup. At most 8 system
 * lookups run at once (`proxy/upstream/_bounded_lookup.ts`); in one queue for all, a client
 * that had asked 40 dead names first held all 8 slots and had 32 more queued, so another
 * client's uncached name waited a resolver timeout for every 8 names ahead of it. Now one
 * client (one executable) holds at most half the slots, and the other's lookup starts at once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startProxyService } from "../proxy/mod.ts";
import { curl, holdConnects } from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  internal:
    endpoints:
      - port: 443
        allowed_ips: ["10.99.0.0/16"]
      - port: 80
        allowed_ips: ["10.99.0.0/16"]
`;

Deno.test("hostile dns share: another client's lookup runs while one client's names never answer", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-dns-share-" });
  await Deno.mkdir(join(dir, "policies"));
  await Deno.writeTextFile(join(dir, "policies", "p.yaml"), POLICY);
  const never = Promise.withResolvers<never>();
  never.promise.catch(() => {});
  const asked: string[] = [];
  let running = 0;
  let most = 0;
  // The hostile names hang until the test ends; any other name answers an address outside
  // allowed_ips, so its request is decided (denied) and nothing leaves the machine.
  const lookup = async (host: string): Promise<string[]> => {
    asked.push(host);
    most = Math.max(most, ++running);
    try {
      if (host.endsWith(".stall.example")) await never.promise;
      return ["192.0.2.1"];
    } finally {
      running--;
    }
  };
  const service = await startProxyService({
    policy: "p",
    policiesDir: join(dir, "policies"),
    stateDir: join(dir, "state"),
    lookup,
  });
  let held: Deno.Conn[] = [];
  try {
    held = await holdConnects(service.port, 40, "stall.example");
    while (asked.length < 4) await new Promise((resolve) => setTimeout(resolve, 10));
    // curl is another binary: another client, whose name is looked up and decided at once.
    const victim = await curl(["http://v1.live.example/x"], {
      proxyPort: service.port,
      maxTime: 5,
    });
    assert.equal(victim.status, 403, `the other client's request waited: ${victim.stderr}`);
    assert.ok(asked.includes("v1.live.example"));
    assert.ok(most <= 8, `${most} lookups at once`);
  } finally {
    never.reject(new Error("the resolver gave up"));
    for (const conn of held) conn.close();
    await service.close();
    await Deno.remove(dir, { recursive: true });
  }
});
