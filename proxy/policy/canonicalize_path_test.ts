import assert from "node:assert/strict";
import { canonicalizePath } from "./mod.ts";

/** [raw, expected canonical path, or a rejection as "!reason"] */
const table: [string, string][] = [
  ["/", "/"],
  ["/a/b", "/a/b"],
  ["/a/b/", "/a/b/"],
  ["/a/./b", "/a/b"],
  ["/a/../b", "/b"],
  ["/a/b/..", "/a/"],
  ["/a/b/.", "/a/b/"],
  ["/..", "!path climbs above the root"],
  ["/a/../../b", "!path climbs above the root"],
  ["/%2e%2e/etc/passwd", "!path climbs above the root"],
  ["/a/%2E%2e/b", "/b"],
  ["/a/%2E%2e/", "/"],
  ["/a/.%2e/b", "/b"],
  ["/a/%2e/b", "/a/b"],
  ["/a//b", "/a/b"],
  ["//a///b//", "/a/b/"],
  ["/a;jsessionid=1/b", "/a/b"],
  ["/a/..;/b", "/b"],
  ["/a/b;x=1;y=2", "/a/b"],
  ["/a%3Bb", "/a%3Bb"],
  ["/a%2Fb", "!path contains an encoded slash or backslash"],
  ["/a%2fb", "!path contains an encoded slash or backslash"],
  ["/a%5Cb", "!path contains an encoded slash or backslash"],
  ["/a\\b", "!path contains a backslash"],
  ["/a%00b", "!path contains an encoded control byte"],
  ["/a%0d%0aHost:x", "!path contains an encoded control byte"],
  ["/a%7f", "!path contains an encoded control byte"],
  ["/a\u0000b", "!path contains a control byte"],
  ["/a\r\nb", "!path contains a control byte"],
  ["/a\tb", "!path contains a control byte"],
  ["/a\u007fb", "!path contains a control byte"],
  ["/caf\u00e9", "!path contains a raw non-ASCII byte"],
  ["/\u202e", "!path contains a raw non-ASCII byte"],
  ["/a b", "!path contains a raw space"],
  ["/a#frag", "!path contains a fragment"],
  ["/a?x=1", "!path contains a query (strip it before canonicalising)"],
  ["*", "!asterisk-form request target"],
  ["", '!path must start with "/"'],
  ["a/b", '!path must start with "/"'],
  ["http://evil/x", '!path must start with "/"'],
  ["/" + "a".repeat(4096), "!path is longer than 4096 bytes"],
  ["/" + "a".repeat(4095), "/" + "a".repeat(4095)],
  ["/a%zz", "!path contains an invalid percent-escape"],
  ["/a%4", "!path contains an invalid percent-escape"],
  ["/a%", "!path contains an invalid percent-escape"],
  ["/%41%62%7e%2d%5f%2E", "/Ab~-_."],
  ["/%c3%a9", "/%C3%A9"],
  ["/a%20b", "/a%20b"],
  ["/%25%32%65", "/%252e"],
  ['/a/{x}|"<>^`', "/a/%7Bx%7D%7C%22%3C%3E%5E%60"],
  ["/a/!$&'()*+,=:@", "/a/!$&'()*+,=:@"],
];

Deno.test("canonicalizePath() hostile inputs", async (t) => {
  assert.ok(table.length >= 30);
  for (const [raw, expected] of table) {
    await t.step(JSON.stringify(raw.length > 40 ? raw.slice(0, 40) + "…" : raw), () => {
      const r = canonicalizePath(raw);
      if (expected.startsWith("!")) assert.deepEqual(r, { ok: false, reason: expected.slice(1) });
      else assert.deepEqual(r, { ok: true, path: expected });
    });
  }
});

Deno.test("canonicalizePath() keeps encoded slashes only when allowed", () => {
  assert.deepEqual(canonicalizePath("/a%2fb/c", { allowEncodedSlash: true }), {
    ok: true,
    path: "/a%2Fb/c",
  });
  assert.deepEqual(canonicalizePath("/a%5cb", { allowEncodedSlash: true }), {
    ok: true,
    path: "/a%5Cb",
  });
  // An encoded slash is data, not a separator: it never helps climb.
  assert.deepEqual(canonicalizePath("/a/..%2f..%2fetc", { allowEncodedSlash: true }), {
    ok: true,
    path: "/a/..%2F..%2Fetc",
  });
  assert.equal(canonicalizePath("/a%00", { allowEncodedSlash: true }).ok, false);
});

Deno.test("canonicalizePath() is idempotent on its output", () => {
  for (const [raw, expected] of table) {
    if (expected.startsWith("!")) continue;
    assert.deepEqual(canonicalizePath(expected), { ok: true, path: expected }, raw);
  }
});
