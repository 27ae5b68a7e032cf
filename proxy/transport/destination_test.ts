import assert from "node:assert/strict";
import { DestinationResolver, parseResolveOverride } from "./destination.ts";

Deno.test("parseResolveOverride() reads curl's form plus an optional target port", () => {
  assert.deepEqual(parseResolveOverride("API.example.com:443:127.0.0.1"), {
    host: "api.example.com",
    port: 443,
    address: "127.0.0.1",
  });
  assert.deepEqual(parseResolveOverride("a.test:443:127.0.0.1:8443"), {
    host: "a.test",
    port: 443,
    address: "127.0.0.1",
    targetPort: 8443,
  });
  assert.deepEqual(parseResolveOverride("a.test:80:::1"), {
    host: "a.test",
    port: 80,
    address: "::1",
  });
  assert.deepEqual(parseResolveOverride("a.test:80:[::1]:8080"), {
    host: "a.test",
    port: 80,
    address: "::1",
    targetPort: 8080,
  });
  for (
    const bad of [
      "a.test:443",
      "a.test:0:127.0.0.1",
      "a.test:443:nothost",
      "a.test:443:1.2.3.4:99999",
    ]
  ) {
    assert.throws(() => parseResolveOverride(bad), TypeError, bad);
  }
});

Deno.test("DestinationResolver.resolve() guards private targets unless allowed_ips covers them", async () => {
  const destinations = new DestinationResolver([
    { host: "api.example.com", port: 443, address: "127.0.0.1", targetPort: 8443 },
  ]);
  assert.deepEqual(await destinations.resolve("api.example.com", 443, undefined), {
    ok: true,
    address: "127.0.0.1",
    connectPort: 8443,
    overridden: true,
  });
  const cases: [string, string[] | undefined, boolean][] = [
    ["10.1.2.3", undefined, false],
    ["10.1.2.3", ["10.0.0.0/8"], true],
    ["10.1.2.3", ["192.168.0.0/16"], false],
    ["169.254.169.254", undefined, false],
    ["127.0.0.1", undefined, false],
    ["::1", undefined, false],
    ["fd00::1", ["fd00::/8"], true],
    ["8.8.8.8", undefined, true],
    ["0.0.0.0", undefined, false],
  ];
  for (const [host, allowed, ok] of cases) {
    const result = await destinations.resolve(host, 443, allowed);
    assert.equal(result.ok, ok, `${host} ${allowed}`);
  }
  const refused = await destinations.resolve("localhost", 443, undefined);
  assert.ok(!refused.ok);
  assert.match(refused.reason, /localhost resolves to loopback address/);
  assert.ok(!destinations.recheck("x.test", 443, "10.0.0.1", undefined).ok);
  assert.ok(destinations.recheck("x.test", 443, "10.0.0.1", ["10.0.0.0/24"]).ok);
});
