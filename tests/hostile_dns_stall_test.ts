/**
 * A client that names many hosts whose DNS never answers. A host-less `allowed_ips` endpoint has
 * every name asked on its port looked up before the decision, and `getaddrinfo` holds one of
 * Deno's 32 blocking threads until the resolver gives up: 64 such CONNECTs to a real `tollgate
 * proxy` (its resolver pointed at a server that never answers) took another client's plain GET
 * and DELETE from 22-40 ms to 19.8-19.9 s, for its log writes (a denial is on record before its
 * 403) and file reads waited for a thread. Here a stand-in lookup holds a blocking thread the
 * same way (opening a FIFO no one writes to) until the test ends.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startProxyService } from "../proxy/mod.ts";
import { curl, holdConnects, startTestUpstreams } from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  internal:
    endpoints:
      - port: 443
        allowed_ips: ["10.99.0.0/16"]
  plain:
    endpoints:
      - { host: plain.example.com, port: 80, protocol: rest, access: read-only }
`;

Deno.test("hostile dns stall: names that never resolve leave other clients answered", async () => {
  const upstreams = await startTestUpstreams();
  const dir = await Deno.makeTempDir({ prefix: "tollgate-dns-" });
  await Deno.mkdir(join(dir, "policies"));
  await Deno.writeTextFile(join(dir, "policies", "p.yaml"), POLICY);
  const fifo = join(dir, "resolver");
  await new Deno.Command("mkfifo", { args: [fifo] }).output();
  let asked = 0;
  let answered = 0;
  let released = false;
  // Waits on a blocking thread, as getaddrinfo does, until the test ends; then no answer.
  const lookup = async (_host: string): Promise<string[]> => {
    asked++;
    try {
      if (!released) (await Deno.open(fifo)).close();
    } finally {
      answered++;
    }
    throw new Error("the resolver gave up");
  };
  const service = await startProxyService({
    policy: "p",
    policiesDir: join(dir, "policies"),
    stateDir: join(dir, "state"),
    resolve: [`plain.example.com:80:127.0.0.1:${upstreams.httpPort}`],
    lookup,
  });
  let held: Deno.Conn[] = [];
  try {
    held = await holdConnects(service.port, 40, "stall.example");
    // One client holds at most half the 8 lookup slots (hostile_dns_share_test.ts).
    while (asked < 4) await new Promise((resolve) => setTimeout(resolve, 10));
    const through = { proxyPort: service.port, maxTime: 10 };
    const get = await curl(["http://plain.example.com/x"], through);
    assert.equal(get.status, 200, get.body);
    const denied = await curl(["http://plain.example.com/x"], {
      ...through,
      args: ["-X", "DELETE"],
    });
    assert.equal(denied.status, 403, denied.body);
  } finally {
    released = true;
    // Opened for reading and writing, a FIFO never blocks (and a synchronous open needs no
    // thread of the pool the waiting ones hold); it lets every waiting open through.
    while (answered < asked) {
      Deno.openSync(fifo, { read: true, write: true }).close();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    for (const conn of held) conn.close();
    await service.close();
    await upstreams.close();
    await Deno.remove(dir, { recursive: true });
  }
});
