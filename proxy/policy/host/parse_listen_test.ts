import assert from "node:assert/strict";
import { parseListen } from "./parse_listen.ts";

Deno.test("parseListen() parses HOST:PORT and tells loopback from remote", () => {
  const cases: [string, string, number, boolean][] = [
    ["127.0.0.1:0", "127.0.0.1", 0, true],
    ["127.3.2.1:8787", "127.3.2.1", 8787, true],
    ["localhost:3128", "127.0.0.1", 3128, true],
    ["LocalHost:1", "127.0.0.1", 1, true],
    ["[::1]:3128", "::1", 3128, true],
    ["[::ffff:127.0.0.1]:80", "::ffff:127.0.0.1", 80, true],
    ["0.0.0.0:80", "0.0.0.0", 80, false],
    ["[::]:80", "::", 80, false],
    ["10.0.0.5:65535", "10.0.0.5", 65535, false],
    ["gateway.internal:443", "gateway.internal", 443, false],
  ];
  for (const [text, hostname, port, loopback] of cases) {
    assert.deepEqual(parseListen(text), { hostname, port, loopback }, text);
  }
});

Deno.test("parseListen() refuses what is not HOST:PORT", () => {
  for (const text of ["nonsense", "127.0.0.1", ":80", "127.0.0.1:65536", "[nope]:80", "::1:80"]) {
    assert.throws(
      () => parseListen(text),
      /^TypeError: Invalid listen address ".*": expected HOST:PORT$/,
      text,
    );
  }
});
