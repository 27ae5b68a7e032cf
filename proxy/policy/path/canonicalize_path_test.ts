import assert from "node:assert/strict";
import { canonicalizePath } from "../mod.ts";
import { canonicalizePattern } from "./canonicalize_path.ts";

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
  // A decoded `%3B` starts parameters too (OpenShell decodes before it strips).
  ["/a%3Bb", "/a"],
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
  // An origin that decodes `%2F` before resolving dot-segments would climb: refused.
  assert.deepEqual(canonicalizePath("/a/..%2f..%2fetc", { allowEncodedSlash: true }), {
    ok: false,
    reason: "path hides a dot-segment behind an encoded slash",
  });
  assert.equal(canonicalizePath("/a%00", { allowEncodedSlash: true }).ok, false);
});

Deno.test("canonicalizePath() is idempotent on its output", () => {
  for (const [raw, expected] of table) {
    if (expected.startsWith("!")) continue;
    assert.deepEqual(canonicalizePath(expected), { ok: true, path: expected }, raw);
  }
});

const HIDDEN = "!path hides a dot-segment behind an encoded slash";
const ABOVE = "!path climbs above the root";

/** [OpenShell test in l7/path.rs, raw, expected, allowEncodedSlash?] */
const openshell: [string, string, string, boolean?][] = [
  ["literal_dot_segments_resolve", "/a/b/..", "/a/"],
  ["percent_encoded_dot_segments_resolve_the_same_way", "/public/%2E%2E/secret", "/secret"],
  ["traversal_above_root_is_rejected", "/a/%2e%2e/%2e%2e", ABOVE],
  ["doubled_slashes_collapse", "//public//../secret", "/secret"],
  [
    "encoded_slash_rejected_by_default",
    "/public/..%2fsecret",
    "!path contains an encoded slash or backslash",
  ],
  ["encoded_slash_preserved_when_opted_in", "/a/%2f/b", "/a/%2F/b", true],
  ["null_and_control_bytes_rejected", "/a%0Ab", "!path contains an encoded control byte"],
  [
    "legitimate_percent_encoded_bytes_round_trip",
    "/files/hello%20world.txt",
    "/files/hello%20world.txt",
  ],
  ["legitimate_percent_encoded_bytes_round_trip", "/search/a%3Fb", "/search/a%3Fb"],
  ["legitimate_percent_encoded_bytes_round_trip", "/users/%40alice", "/users/@alice"],
  ["path_parameters_stripped_by_default", "/public;x=1/../secret", "/secret"],
  ["percent_encoded_non_ascii_bytes_round_trip", "/users/caf%C3%A9", "/users/caf%C3%A9"],
  ["mixed_case_percent_normalizes_to_uppercase", "/a/caf%c3%a9", "/a/caf%C3%A9"],
  [
    "regression_percent_encoded_slash_in_dotdot_rejected",
    "/public/%2E%2E%2Fsecret",
    "!path contains an encoded slash or backslash",
  ],
  ["regression_dot_slash_dotdot", "/public/./../secret", "/secret"],
  [
    "regression_dotdot_with_path_parameter_is_resolved_not_smuggled",
    "/public/..;/secret",
    "/secret",
  ],
  [
    "regression_dotdot_with_path_parameter_is_resolved_not_smuggled",
    "/public/..;x/secret",
    "/secret",
  ],
  [
    "regression_dotdot_with_path_parameter_is_resolved_not_smuggled",
    "/public/..;jsessionid=xyz/secret",
    "/secret",
  ],
  [
    "regression_dotdot_with_path_parameter_is_resolved_not_smuggled",
    "/public/.;/secret",
    "/public/secret",
  ],
  [
    "regression_dotdot_with_path_parameter_is_resolved_not_smuggled",
    "/public/.;x/secret",
    "/public/secret",
  ],
  ["regression_percent_encoded_dotdot_with_path_parameter", "/public/%2e%2e;/secret", "/secret"],
  ["regression_percent_encoded_dotdot_with_path_parameter", "/public/..%3B/secret", "/secret"],
  ["regression_percent_encoded_dotdot_with_path_parameter", "/public/..%3b/secret", "/secret"],
  [
    "regression_chained_dotdot_with_path_parameters_hits_root_guard",
    "/public/..;/..;/secret",
    ABOVE,
  ],
  [
    "regression_chained_dotdot_with_path_parameters_hits_root_guard",
    "/api/v1/..;/..;/..;/admin/keys",
    ABOVE,
  ],
  ["regression_chained_dotdot_with_path_parameters_hits_root_guard", "/..;", ABOVE],
  [
    "regression_dotdot_behind_encoded_slash_is_rejected_when_opted_in",
    "/public/..%2fsecret",
    HIDDEN,
    true,
  ],
  [
    "regression_dotdot_behind_encoded_slash_is_rejected_when_opted_in",
    "/public/..%2f..%2fsecret",
    HIDDEN,
    true,
  ],
  [
    "regression_dotdot_behind_encoded_slash_is_rejected_when_opted_in",
    "/public/.%2fsecret",
    HIDDEN,
    true,
  ],
  [
    "regression_dotdot_behind_encoded_slash_is_rejected_when_opted_in",
    "/repos/group%2fproject/issues",
    "/repos/group%2Fproject/issues",
    true,
  ],
  ["encoded_slash_detection_on_canonical_paths_is_exact", "/a/%252F/b", "/a/%252F/b"],
  ["encoded_slash_detection_on_canonical_paths_is_exact", "/a/100%25/b", "/a/100%25/b"],
  // Tollgate also treats `%5C` as a separator some origins honour.
  ["(Tollgate) backslash variant of the #2699 regression", "/public/..%5csecret", HIDDEN, true],
  ["(Tollgate) a dot-segment after an encoded slash", "/public/x%2F..", HIDDEN, true],
  [
    "(Tollgate) pchar escapes decode like %40",
    "/a/%21%24%26%27%28%29%2A%2B%2C%3D%3A",
    "/a/!$&'()*+,=:",
  ],
];

Deno.test("canonicalizePath() OpenShell path.rs vectors", async (t) => {
  for (const [name, raw, expected, allowEncodedSlash] of openshell) {
    await t.step(`${name}: ${raw}`, () => {
      const r = canonicalizePath(raw, { allowEncodedSlash });
      if (expected.startsWith("!")) assert.deepEqual(r, { ok: false, reason: expected.slice(1) });
      else {
        assert.deepEqual(r, { ok: true, path: expected });
        // Canonical output is a fixed point and never holds a dot-segment.
        assert.deepEqual(canonicalizePath(expected, { allowEncodedSlash }), r);
        assert.ok(!expected.split("/").some((s) => s === "." || s === ".."));
      }
    });
  }
});

Deno.test("canonicalizePattern() brings rule escapes to the canonical form", () => {
  assert.equal(canonicalizePattern("/users/%40alice"), "/users/@alice");
  assert.equal(canonicalizePattern("/a/%c3%a9/**"), "/a/%C3%A9/**");
  assert.equal(canonicalizePattern("/a%2a/%2f"), "/a%2A/%2F");
});
