/**
 * End to end: a host-less `allowed_ips` endpoint (OpenShell's `hostless_endpoint_*` and
 * `allowed_ips_mode3_*` vectors) through a real proxy. A host name matches such an endpoint
 * only when every address it resolves to lies inside `allowed_ips`, and the proxy connects to
 * exactly the addresses it decided on.
 */
import assert from "node:assert/strict";
import { DestinationResolver } from "../proxy/upstream/destination.ts";
import { rawRequest, startTestProxy, startTestUpstreams } from "./support/mod.ts";

/** A non-loopback IPv4 address of this machine (allowed_ips may never cover loopback). */
function localAddress(): string | undefined {
  return Deno.networkInterfaces().find((i) =>
    i.family === "IPv4" && !i.address.startsWith("127.") && !i.address.startsWith("169.254.")
  )?.address;
}

const ADDRESS = localAddress();

/** A plain HTTP origin on `ADDRESS` that answers every request with 200 "origin". */
function startOrigin(): { port: number; close(): Promise<void> } {
  const server = Deno.serve(
    { hostname: ADDRESS, port: 0, onListen() {} },
    () => new Response("origin"),
  );
  return { port: server.addr.port, close: () => server.shutdown() };
}

function policy(cidr: string): string {
  return `version: 1
network_policies:
  internal:
    endpoints:
      - port: 80
        allowed_ips: ["${cidr}"]
`;
}

async function withHostless(
  cidr: string,
  run: (proxyPort: number) => Promise<void>,
): Promise<void> {
  const origin = startOrigin();
  const upstreams = await startTestUpstreams();
  const resolve = [{ host: "internal.corp", port: 80, address: ADDRESS!, targetPort: origin.port }];
  const proxy = await startTestProxy({ policy: policy(cidr), upstreams, resolve });
  try {
    await run(proxy.port);
  } finally {
    await proxy.close();
    await upstreams.close();
    await origin.close();
  }
}

const GET =
  "GET http://internal.corp/x HTTP/1.1\r\nHost: internal.corp\r\nConnection: close\r\n\r\n";

Deno.test({
  name:
    "hostless #10: a name whose resolved address lies in allowed_ips reaches a host-less endpoint",
  ignore: ADDRESS === undefined,
  fn: async () => {
    await withHostless(`${ADDRESS}/32`, async (port) => {
      const response = await rawRequest(port, GET);
      assert.equal(response.status, 200, response.raw);
      assert.equal(response.body, "origin");
    });
  },
});

Deno.test({
  name: "hostless #10: a name resolving outside allowed_ips is denied at L4 and never connects",
  ignore: ADDRESS === undefined,
  fn: async () => {
    await withHostless("10.255.255.0/24", async (port) => {
      const response = await rawRequest(port, GET);
      assert.equal(response.status, 403, response.raw);
      const body = JSON.parse(response.body);
      assert.equal(body.layer, "l4");
      assert.equal(body.detail, "endpoint internal.corp:80 not in policy");
    });
  },
});

Deno.test("hostless #10: the proxy connects to the addresses it decided on, never to a fresh DNS answer", async () => {
  let answer = ["10.1.2.3"];
  let lookups = 0;
  const destinations = new DestinationResolver([], {
    lookup: () => (lookups++, Promise.resolve(answer)),
  });
  const decided = await destinations.addressesOf("wiki.corp", 80);
  assert.deepEqual(decided, ["10.1.2.3"]);
  // The name now points inward: a second lookup at connect time would reach 10.9.9.9.
  answer = ["10.9.9.9"];
  const result = await destinations.resolve("wiki.corp", 80, ["10.1.2.0/24"], decided);
  assert.deepEqual(result, { ok: true, address: "10.1.2.3", connectPort: 80, overridden: false });
  assert.equal(lookups, 1);
  // The guard still runs on the decided addresses themselves.
  assert.equal((await destinations.resolve("wiki.corp", 80, [], decided)).ok, false);
});
