import assert from "node:assert/strict";
import { hostMatches, hostPatternProblem, parseHostPattern } from "../mod.ts";

Deno.test("hostPatternProblem() accepts hosts and safe wildcards", () => {
  for (
    const ok of [
      "api.github.com",
      "API.GitHub.com",
      "localhost",
      "a_b.example",
      "*.example.com",
      "**.example.com",
      "*.co.uk",
      "a*.example.com",
      "*.*.example.com",
      "10.0.0.1",
      "::1",
      "xn--bcher-kva.example",
    ]
  ) {
    assert.equal(hostPatternProblem(ok), undefined, ok);
  }
});

Deno.test("hostPatternProblem() refuses broad or malformed wildcards", () => {
  for (
    const bad of [
      "",
      "*",
      "**",
      "*.com",
      "**.com",
      "*.",
      "api.*.com",
      "example.*",
      "api..example.com",
      ".example.com",
      "example.com.",
      "-a.example.com",
      "a b.example.com",
      "ex@mple.com",
    ]
  ) {
    assert.notEqual(hostPatternProblem(bad), undefined, bad);
  }
});

Deno.test("hostMatches() applies one-label and many-label wildcards", () => {
  const one = parseHostPattern("*.Example.com");
  const many = parseHostPattern("**.example.com");
  const exact = parseHostPattern("API.example.com");
  assert.ok(hostMatches(one, "a.example.com"));
  assert.ok(!hostMatches(one, "a.b.example.com"));
  assert.ok(!hostMatches(one, "example.com"));
  assert.ok(!hostMatches(one, "aexample.com"));
  assert.ok(hostMatches(many, "a.b.c.example.com"));
  assert.ok(!hostMatches(many, "example.com"));
  assert.ok(hostMatches(exact, "api.EXAMPLE.com"));
  assert.ok(!hostMatches(exact, "x.api.example.com"));
});
