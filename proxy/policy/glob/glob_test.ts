import assert from "node:assert/strict";
import { compilePathGlob, compileStringGlob } from "./glob.ts";

const pathCases: [string, string, boolean][] = [
  ["**", "/anything/at/all", true],
  ["**", "", true],
  ["/a/b", "/a/b", true],
  ["/a/b", "/a/b/", false],
  ["/a/*", "/a/b", true],
  ["/a/*", "/a/", true],
  ["/a/*", "/a/b/c", false],
  ["/a/**", "/a/b/c", true],
  ["/a/**", "/a/", true],
  ["/a/**", "/a", false],
  ["/repos/*/issues", "/repos/acme/issues", true],
  ["/repos/*/issues", "/repos/a/b/issues", false],
  ["/repos/*/*/issues/**", "/repos/o/r/issues/1/comments", true],
  ["/repos/*/*/issues/**", "/repos/o/issues/1", false],
  ["/a/**/b", "/a/b", true],
  ["/a/**/b", "/a/x/b", true],
  ["/a/**/b", "/a/x/y/b", true],
  ["/a/**/b", "/a/xb", false],
  ["/**/b", "/b", true],
  ["/**/b", "/x/y/b", true],
  ["/v1/*.json", "/v1/a.json", true],
  ["/v1/*.json", "/v1/a/b.json", false],
  // OpenShell's globset: `**` inside a segment is `*`; only a whole `/**/` segment crosses `/`.
  ["/v1/**.json", "/v1/a/b.json", false],
  ["/v1/**.json", "/v1/ab.json", true],
  ["/*a*b*", "/xaybz", true],
  ["/*a*b*", "/xa/bz", false],
  ["/usr/lib/git-core/**", "/usr/lib/git-core/git-remote-https", true],
  ["/usr/bin/*", "/usr/bin/sub/x", false],
  ["/a.b", "/aXb", false],
  ["/(x)+[y]", "/(x)+[y]", true],
  // `/**\/` shrinks to one `/` only when the globstar matched nothing: after it matched `o/r/not`,
  // the segment `public` must still start after a `/` (a reviewer reads a whole segment).
  ["/repos/**/public/*", "/repos/o/r/notpublic/x", false],
  ["/repos/**/public/*", "/repos/o/r/public/x", true],
  ["/repos/**/public/*", "/repos/public/x", true],
  ["/a/**/b*", "/a/xbz", false],
  ["/a/**/b*", "/a/x/bz", true],
  ["/a/**/b/*", "/a/xb/c", false],
];

Deno.test("compilePathGlob() matches segments and globstars", () => {
  for (const [pattern, text, expected] of pathCases) {
    assert.equal(compilePathGlob(pattern)(text), expected, `${pattern} vs ${text}`);
  }
});

Deno.test("compilePathGlob() stays fast on hostile patterns and paths", () => {
  // A backtracking regex would take hours here; the NFA is bounded by length × pattern size.
  const m = compilePathGlob("/*a*a*a*a*a*a*b");
  const n = compilePathGlob("/**a**a**a**a**a**b");
  const path = "/" + "a".repeat(4095);
  assert.equal(m(path), false);
  assert.equal(n(path), false);
  assert.equal(n(path + "b"), true);
});

Deno.test("compileStringGlob() matches any characters", () => {
  const cases: [string, string, boolean][] = [
    ["git-*", "git-upload-pack", true],
    ["git-*", "xgit-", false],
    ["*", "", true],
    ["a*b*c", "abc", true],
    ["a*b*c", "aXbYc", true],
    ["a*b*c", "acb", false],
    ["*password*", "my-password-1", true],
    ["ab*ba", "aba", false],
    ["exact", "exact", true],
    ["a/*", "a/b/c", true],
  ];
  for (const [pattern, text, expected] of cases) {
    assert.equal(compileStringGlob(pattern)(text), expected, `${pattern} vs ${text}`);
  }
});
