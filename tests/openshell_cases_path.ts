/**
 * OpenShell `crates/openshell-supervisor-network/src/l7/path.rs` (tests module, at 2f7fb655):
 * request-path canonicalisation, re-expressed as Tollgate cases for `canonicalizePath()`.
 *
 * @module
 */

import { canonicalizePath } from "../proxy/policy/mod.ts";

/** One path: the canonical form OpenShell's test pins, or the kind of refusal. */
export interface PathCase {
  /** The OpenShell file and test this case mirrors. */
  mirrors: string;
  /** The raw path as sent (no query). */
  raw: string;
  /** The endpoint's `allow_encoded_slash`. */
  encodedSlash?: boolean;
  /** The canonical path, or a pattern the refusal's reason must match. */
  expect: string | RegExp;
}

const F = "path.rs";
const ABOVE = /above the root/;
const SLASH = /encoded slash/;
const CONTROL = /control byte/;
const DOT_BEHIND_SLASH = /dot-segment behind an encoded slash/;

const pairs = (test: string, list: [string, string | RegExp][], encodedSlash = false) =>
  list.map(([raw, expect]): PathCase => ({
    mirrors: `${F} ${test}`,
    raw,
    expect,
    ...(encodedSlash ? { encodedSlash } : {}),
  }));

/** Every path.rs case (its `path_parameters_preserved_when_disabled` and `rewritten_flag…` test
 * options Tollgate does not have; `absolute_form…` and `…embedded_url…` are wire cases). */
export const PATHS: PathCase[] = [
  ...pairs("literal_dot_segments_resolve", [
    ["/a/./b", "/a/b"],
    ["/a/b/.", "/a/b/"],
    ["/a/../b", "/b"],
    ["/a/b/..", "/a/"],
  ]),
  ...pairs("percent_encoded_dot_segments_resolve_the_same_way", [
    ["/public/%2e%2e/secret", "/secret"],
    ["/public/%2E%2E/secret", "/secret"],
    ["/public/%2e/secret", "/public/secret"],
  ]),
  ...pairs("traversal_above_root_is_rejected", [
    ["/..", ABOVE],
    ["/a/../..", ABOVE],
    ["/a/%2e%2e/%2e%2e", ABOVE],
  ]),
  ...pairs("doubled_slashes_collapse", [
    ["//", "/"],
    ["//public//../secret", "/secret"],
    ["/public//secret", "/public/secret"],
  ]),
  ...pairs("encoded_slash_rejected_by_default", [
    ["/a/%2f/b", SLASH],
    ["/public/..%2fsecret", SLASH],
  ]),
  ...pairs("encoded_slash_preserved_when_opted_in", [
    ["/a/%2f/b", "/a/%2F/b"],
    ["/a/%2F/b", "/a/%2F/b"],
  ], true),
  ...pairs("null_and_control_bytes_rejected", [
    ["/a%00b", CONTROL],
    ["/a%0Ab", CONTROL],
    ["/a%0Db", CONTROL],
    ["/a%7Fb", CONTROL],
    ["/a\nb", CONTROL],
  ]),
  ...pairs("fragment_rejected", [["/a#b", /fragment/]]),
  ...pairs("legitimate_percent_encoded_bytes_round_trip", [
    ["/files/hello%20world.txt", "/files/hello%20world.txt"],
    ["/search/a%3Fb", "/search/a%3Fb"],
    ["/users/%40alice", "/users/@alice"],
  ]),
  ...pairs("path_parameters_stripped_by_default", [
    ["/a;jsessionid=xyz/b", "/a/b"],
    ["/public;x=1/../secret", "/secret"],
  ]),
  ...pairs("non_ascii_raw_byte_rejected", [["/a\u00e9", /non-ASCII/]]),
  ...pairs("percent_encoded_non_ascii_bytes_round_trip", [[
    "/users/caf%C3%A9",
    "/users/caf%C3%A9",
  ]]),
  ...pairs("empty_and_root_equivalent", [["/", "/"]]),
  ...pairs("path_too_long_rejected", [[`/${"a".repeat(4096)}`, /longer than 4096/]]),
  ...pairs("mixed_case_percent_normalizes_to_uppercase", [["/a/caf%c3%a9", "/a/caf%C3%A9"]]),
  ...pairs("regression_public_slash_dotdot_secret", [["/public/../secret", "/secret"]]),
  ...pairs("regression_public_slash_percent_dotdot_secret", [
    ["/public/%2e%2e/secret", "/secret"],
    ["/public/%2E%2E/secret", "/secret"],
  ]),
  ...pairs("regression_percent_encoded_slash_in_dotdot_rejected", [
    ["/public/%2E%2E%2Fsecret", SLASH],
  ]),
  ...pairs("regression_double_slash_prefix", [["//public/../secret", "/secret"]]),
  ...pairs("regression_dot_slash_dotdot", [["/public/./../secret", "/secret"]]),
  ...pairs("regression_dotdot_with_path_parameter_is_resolved_not_smuggled", [
    ["/public/..;/secret", "/secret"],
    ["/public/..;x/secret", "/secret"],
    ["/public/..;jsessionid=xyz/secret", "/secret"],
    ["/public/.;/secret", "/public/secret"],
    ["/public/.;x/secret", "/public/secret"],
  ]),
  ...pairs("regression_percent_encoded_dotdot_with_path_parameter", [
    ["/public/%2e%2e;/secret", "/secret"],
    ["/public/..%3B/secret", "/secret"],
    ["/public/..%3b/secret", "/secret"],
  ]),
  ...pairs("regression_chained_dotdot_with_path_parameters_hits_root_guard", [
    ["/public/..;/..;/secret", ABOVE],
    ["/api/v1/..;/..;/..;/admin/keys", ABOVE],
    ["/..;", ABOVE],
  ]),
  ...pairs("regression_dotdot_behind_encoded_slash_is_rejected_when_opted_in", [
    ["/public/..%2fsecret", DOT_BEHIND_SLASH],
    ["/public/..%2f..%2fsecret", DOT_BEHIND_SLASH],
    ["/public/.%2fsecret", DOT_BEHIND_SLASH],
    ["/repos/group%2fproject/issues", "/repos/group%2Fproject/issues"],
  ], true),
  ...pairs("encoded_slash_detection_on_canonical_paths_is_exact", [
    ["/a/%252F/b", "/a/%252F/b"],
    ["/a/100%25/b", "/a/100%25/b"],
  ]),
  ...pairs("canonical_output_never_contains_dot_segments", [
    ["/public//../secret", "/secret"],
    ["/a/b/..", "/a/"],
  ]),
];

/** What a path case got wrong, or undefined when Tollgate answers as the case expects. */
export function checkPathCase(test: PathCase): string | undefined {
  const got = canonicalizePath(test.raw, { allowEncodedSlash: test.encodedSlash ?? false });
  const said = got.ok ? `path ${got.path}` : `refused: ${got.reason}`;
  if (typeof test.expect === "string") {
    return got.ok && got.path === test.expect ? undefined : `expected ${test.expect}, got ${said}`;
  }
  return !got.ok && test.expect.test(got.reason) ? undefined : `expected ${test.expect}, ${said}`;
}
