/**
 * One binary started under several parents, each copy naming hosts whose lookups never answer.
 * A client's share of the 8 lookup slots was its binary chain, so python under the test and
 * python under `sh` were two clients holding 4 slots each: all 8, and another client's lookup
 * never started (a nesting of python in python makes a new chain at every depth). The share is
 * the requester's executable now, whatever started it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startProxyService } from "../proxy/mod.ts";
import { curl } from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  internal:
    endpoints:
      - port: 443
        allowed_ips: ["10.99.0.0/16"]
      - port: 80
        allowed_ips: ["10.99.0.0/16"]
`;

/** Python (under `sh` when `viaShell`) sending `count` CONNECTs to dead names, held 30 s. */
function holder(port: number, tag: string, count: number, viaShell: boolean): Deno.ChildProcess {
  const script = `
import socket, time
held = []
for i in range(${count}):
    s = socket.create_connection(("127.0.0.1", ${port}))
    name = "n%d.${tag}.stall.example:443" % i
    s.sendall(("CONNECT %s HTTP/1.1\\r\\nHost: %s\\r\\n\\r\\n" % (name, name)).encode())
    held.append(s)
time.sleep(30)
`;
  const python = ["python3", "-c", script];
  const [cmd, ...args] = viaShell ? ["sh", "-c", '"$@"; :', "sh", ...python] : python;
  return new Deno.Command(cmd!, { args, stdout: "null", stderr: "null" }).spawn();
}

Deno.test("hostile dns share: one binary under two parents holds one client's share of the lookups", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-dns-parents-" });
  await Deno.mkdir(join(dir, "policies"));
  await Deno.writeTextFile(join(dir, "policies", "p.yaml"), POLICY);
  const never = Promise.withResolvers<never>();
  never.promise.catch(() => {});
  const asked: string[] = [];
  // The hostile names hang until the test ends; any other name answers an address outside
  // allowed_ips, so its request is decided (denied) and nothing leaves the machine.
  const lookup = async (host: string): Promise<string[]> => {
    asked.push(host);
    if (host.endsWith(".stall.example")) await never.promise;
    return ["192.0.2.1"];
  };
  const service = await startProxyService({
    policy: "p",
    policiesDir: join(dir, "policies"),
    stateDir: join(dir, "state"),
    lookup,
  });
  const holders = [holder(service.port, "a", 40, false), holder(service.port, "b", 40, true)];
  try {
    const started = (tag: string) => asked.filter((h) => h.endsWith(`.${tag}.stall.example`));
    const until = performance.now() + 20_000;
    // Both copies' first names are asked (each has its identity decided and its lookup queued).
    while (started("a").length + started("b").length < 4 && performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the rest of both have come
    const victim = await curl(["http://v1.live.example/x"], {
      proxyPort: service.port,
      maxTime: 5,
    });
    assert.equal(victim.status, 403, `the other client's request waited: ${victim.stderr}`);
    assert.ok(started("a").length + started("b").length <= 4, "python held more than 4 slots");
  } finally {
    never.reject(new Error("the resolver gave up"));
    for (const child of holders) {
      child.kill();
      await child.status;
    }
    await service.close();
    await Deno.remove(dir, { recursive: true });
  }
});
