import assert from "node:assert/strict";
import { cidrContains, classifyAddress, ipInCidrs, isIpLiteral, parseCidr } from "../mod.ts";

Deno.test("classifyAddress() classes IPv4, IPv6 and mapped addresses", () => {
  const table: [string, string][] = [
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["[::1]", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.1", "public"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["100.127.255.255", "private"],
    ["100.128.0.1", "public"],
    ["fd12:3456::1", "private"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:a00:1", "private"],
    ["64:ff9b::7f00:1", "loopback"],
    ["169.254.169.254", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["::ffff:169.254.169.254", "metadata"],
    ["169.254.1.1", "link_local"],
    ["fe80::1", "link_local"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["8.8.8.8", "public"],
    ["2606:4700::1111", "public"],
    ["not-an-ip", "unspecified"],
    ["010.0.0.1", "unspecified"],
  ];
  for (const [ip, cls] of table) assert.equal(classifyAddress(ip), cls, ip);
});

Deno.test("parseCidr() accepts CIDRs and bare addresses, refuses junk", () => {
  assert.deepEqual(parseCidr("10.0.0.0/8"), { bytes: new Uint8Array([10, 0, 0, 0]), prefix: 8 });
  assert.equal(parseCidr("10.0.0.1")?.prefix, 32);
  assert.equal(parseCidr("fd00::/8")?.prefix, 8);
  assert.equal(parseCidr("::1")?.prefix, 128);
  assert.deepEqual(parseCidr("::ffff:10.0.0.0/104"), {
    bytes: new Uint8Array([10, 0, 0, 0]),
    prefix: 8,
  });
  for (
    const bad of [
      "",
      "10.0.0.0/33",
      "10.0.0/8",
      "10.0.0.0/",
      "10.0.0.0/08",
      "::/129",
      "a::b::c",
      "1.2.3.4.5",
      "x/8",
      "256.0.0.0",
    ]
  ) {
    assert.equal(parseCidr(bad), undefined, bad);
  }
});

Deno.test("ipInCidrs() and cidrContains() test membership", () => {
  assert.ok(ipInCidrs("10.0.0.7", ["192.168.0.0/16", "10.0.0.0/24"]));
  assert.ok(!ipInCidrs("10.0.1.7", ["10.0.0.0/24"]));
  assert.ok(ipInCidrs("::ffff:10.0.0.7", ["10.0.0.0/24"]));
  assert.ok(ipInCidrs("fd12:3456::9", ["fd12:3456::/48"]));
  assert.ok(!ipInCidrs("fd12:3457::9", ["fd12:3456::/48"]));
  assert.ok(!ipInCidrs("10.0.0.7", ["junk"]));
  assert.ok(ipInCidrs("10.0.0.7", ["0.0.0.0/0"]));
  assert.ok(cidrContains(parseCidr("10.0.0.0/8")!, parseCidr("10.2.0.0/16")!));
  assert.ok(!cidrContains(parseCidr("10.2.0.0/16")!, parseCidr("10.0.0.0/8")!));
  assert.ok(
    isIpLiteral("2001:db8::1") && isIpLiteral("[2001:db8::1]") && !isIpLiteral("fe80::1%eth0"),
  );
});
