import assert from "node:assert/strict";
import { DestinationResolver, LOOKUPS_AT_ONCE, parseResolveOverride } from "./destination.ts";

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
    // fd00::/8 loads (OpenShell's templates allow fc00::/7); its metadata address stays out.
    ["fd00:ec2::254", ["fd00::/8"], false],
    ["fd00:ec2::254", ["fc00::/7"], false],
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

Deno.test("DestinationResolver refuses control-plane ports (etcd, Kubernetes, kubelet) inside allowed_ips", async () => {
  const destinations = new DestinationResolver([]);
  for (const port of [2379, 2380, 6443, 10250, 10255]) {
    const result = await destinations.resolve("10.1.2.3", port, ["10.0.0.0/8"]);
    assert.ok(!result.ok, String(port));
    assert.match(result.reason, new RegExp(`port ${port} is a control-plane port`));
    assert.ok(!destinations.recheck("x.test", port, "10.1.2.3", ["10.0.0.0/8"]).ok);
    // A public address on such a port, outside allowed_ips, is the internet's business.
    assert.ok((await destinations.resolve("8.8.8.8", port, undefined)).ok, String(port));
  }
  assert.ok((await destinations.resolve("10.1.2.3", 5432, ["10.0.0.0/8"])).ok);
});

Deno.test("DestinationResolver.resolve() reuses a name's addresses for a while, and guards them each time", async () => {
  let clock = 0;
  const asked: string[] = [];
  let answer: string[] | Error = ["93.184.216.34"];
  const destinations = new DestinationResolver([], {
    now: () => clock,
    lookup: (host) => {
      asked.push(host);
      const reply = answer;
      return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
    },
  });
  const first = await Promise.all([
    destinations.resolve("api.example.com", 443, undefined),
    destinations.resolve("api.example.com", 443, undefined),
  ]);
  assert.deepEqual(first.map((r) => r.ok && r.address), ["93.184.216.34", "93.184.216.34"]);
  assert.deepEqual(asked, ["api.example.com"]);
  // Within the window the cached answer stands; after it, the new (inward) answer is refused…
  answer = ["10.0.0.5"];
  clock += 5_000;
  assert.equal((await destinations.resolve("api.example.com", 443, undefined)).ok, true);
  clock += 6_000;
  const rebound = await destinations.resolve("api.example.com", 443, undefined);
  assert.equal(rebound.ok, false);
  assert.deepEqual(asked, ["api.example.com", "api.example.com"]);
  // …and the guard applies to cached addresses with each request's allowed_ips.
  assert.equal((await destinations.resolve("api.example.com", 443, ["10.0.0.0/8"])).ok, true);
  // Failures are not cached.
  answer = new Error("SERVFAIL");
  assert.deepEqual(await destinations.resolve("down.example.com", 443, undefined), {
    ok: false,
    reason: "cannot resolve down.example.com",
  });
  answer = ["1.1.1.1"];
  assert.equal((await destinations.resolve("down.example.com", 443, undefined)).ok, true);
  assert.equal(asked.filter((h) => h === "down.example.com").length, 2);
});

Deno.test("DestinationResolver.resolve() runs a few system lookups at once, the rest queued in order", async () => {
  // getaddrinfo holds one of Deno's 32 blocking threads until the resolver answers: 32 slow
  // names at once left no thread for a file read (the log, /proc) or a signature.
  const slow = slowLookups();
  const destinations = new DestinationResolver([], { lookup: slow.lookup });
  const names = Array.from({ length: 40 }, (_, i) => `slow${i}.example.com`);
  // Two clients, taking turns: each may hold half the slots.
  const clients = ["curl", "python"];
  const asked = names.map((name, i) =>
    destinations.resolve(name, 443, undefined, undefined, clients[i % 2])
  );
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(slow.most(), LOOKUPS_AT_ONCE, "lookups running at once");
  // An override, an address literal and an answer in the cache need no lookup meanwhile.
  const literal = await destinations.resolve("93.184.216.35", 443, undefined);
  assert.equal(literal.ok, true);
  // Each answer frees a slot for the next name asked, first asked first.
  for (const name of names) {
    await waitUntil(() => slow.release.has(name));
    assert.ok(slow.running.size <= LOOKUPS_AT_ONCE);
    slow.release.get(name)!();
  }
  assert.deepEqual((await Promise.all(asked)).map((r) => r.ok), names.map(() => true));
  assert.equal(slow.running.size, 0);
});

Deno.test("DestinationResolver.addressesOf() leaves another client its share of the lookups", async () => {
  // One queue for all made another client's name wait for every dead name asked before it.
  const slow = slowLookups();
  const destinations = new DestinationResolver([], { lookup: slow.lookup });
  const dead = Array.from({ length: 40 }, (_, i) => `dead${i}.example.com`);
  for (const name of dead) void destinations.addressesOf(name, 443, "hostile");
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(slow.running.size, LOOKUPS_AT_ONCE / 2, "one client holds half the slots");
  const victim = destinations.addressesOf("victim.example.com", 443, "victim");
  await waitUntil(() => slow.release.has("victim.example.com"));
  // A second hostile binary fills the rest; the victim's next name then waits for one freed
  // slot, and goes before the names the hostile clients queued before it.
  slow.release.get("victim.example.com")!();
  assert.deepEqual(await victim, ["93.184.216.34"]);
  for (let i = 0; i < 10; i++) void destinations.addressesOf(`other${i}.example.com`, 443, "h2");
  await waitUntil(() => slow.running.size === LOOKUPS_AT_ONCE);
  const next = destinations.addressesOf("victim2.example.com", 443, "victim");
  slow.release.get("dead0.example.com")!();
  await waitUntil(() => slow.release.has("victim2.example.com"));
  assert.equal(slow.running.size, LOOKUPS_AT_ONCE);
  slow.release.get("victim2.example.com")!();
  assert.deepEqual(await next, ["93.184.216.34"]);
  for (const name of [...slow.release.keys()]) slow.release.get(name)!();
  await waitUntil(() => slow.running.size === 0 && slow.release.size === 0);
});

Deno.test("DestinationResolver.addressesOf() does not queue another client behind the client that asked a name first", async () => {
  // The cache shared a lookup still waiting for its client's slots: a client holding its share
  // with dead names, then asking the names others would (a registry, an API), held theirs too.
  const slow = slowLookups();
  const destinations = new DestinationResolver([], { lookup: slow.lookup });
  for (let i = 0; i < 4; i++) void destinations.addressesOf(`dead${i}.example.com`, 443, "hostile");
  await waitUntil(() => slow.running.size === LOOKUPS_AT_ONCE / 2);
  void destinations.addressesOf("registry.example.com", 443, "hostile"); // queued: its share is full
  const victim = destinations.addressesOf("registry.example.com", 443, "victim");
  await waitUntil(() => slow.release.has("registry.example.com"));
  slow.release.get("registry.example.com")!();
  assert.deepEqual(await victim, ["93.184.216.34"]);
  // Once started, a lookup is shared: the same name asked again waits for it, not a second one.
  const again = destinations.addressesOf("registry.example.com", 443, "third");
  assert.deepEqual(await again, ["93.184.216.34"]);
  for (const name of [...slow.release.keys()]) slow.release.get(name)!();
  await waitUntil(() => slow.running.size === 0 && slow.release.size === 0);
});

/** A lookup that answers each name only when the test releases it. */
function slowLookups() {
  const running = new Set<string>();
  const release = new Map<string, () => void>();
  let most = 0;
  const lookup = (host: string) => {
    running.add(host);
    most = Math.max(most, running.size);
    return new Promise<string[]>((resolve) => {
      release.set(host, () => {
        running.delete(host);
        release.delete(host);
        resolve(["93.184.216.34"]);
      });
    });
  };
  return { lookup, running, release, most: () => most };
}

async function waitUntil(done: () => boolean): Promise<void> {
  for (let turns = 0; !done(); turns++) {
    assert.ok(turns < 1000, "never happened");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
