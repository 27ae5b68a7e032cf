import assert from "node:assert/strict";
import type { Endpoint } from "../../proxy/policy/mod.ts";
import {
  binaryBreadthFinding,
  endpointBreadthFindings,
  l4OnHttpPortFinding,
} from "./_breadth_findings.ts";

const rest = (method: string, path: string): Endpoint => ({
  host: "api.example.com",
  port: 443,
  protocol: "rest",
  enforcement: "enforce",
  rules: [{ allow: { method, path } }],
});

Deno.test("endpointBreadthFindings() flags broad methods, paths and presets, not narrow rules", () => {
  const cases: [string, Endpoint, string[]][] = [
    ["exact PUT", rest("PUT", "/repos/o/r/contents/x.md"), []],
    ["PUT two literal segments deep", rest("PUT", "/repos/o/**"), []],
    ["GET near the root", rest("GET", "/repos/**"), []],
    ["PUT under one literal segment", rest("put", "/repos/**"), ["broad_write_path"]],
    ["PUT under wildcards only", rest("PUT", "/*/**"), ["path_root_glob", "broad_write_path"]],
    ["DELETE globstar first", rest("DELETE", "/**/x"), ["broad_write_path"]],
    ["GET every path", rest("GET", "/*/*/**"), ["path_root_glob"]],
    ["any method", rest("*", "/repos/o/r"), ["method_any"]],
    [
      "read-write preset",
      { host: "a.example", port: 443, protocol: "rest", access: "read-write" },
      [
        "access_read_write",
      ],
    ],
    [
      "read-only preset",
      { host: "a.example", port: 443, protocol: "rest", access: "read-only" },
      [],
    ],
    // "*" then matches "a%2Fb", which an origin that decodes first reads as "a/b".
    ["encoded slashes", { ...rest("PUT", "/x/*"), allow_encoded_slash: true }, ["encoded_slash"]],
  ];
  for (const [name, endpoint, codes] of cases) {
    const found = endpointBreadthFindings(endpoint, "endpoints[0]");
    assert.deepEqual(found.map((f) => f.code), codes, name);
    assert.ok(found.every((f) => f.severity === "warn"), name);
  }
});

Deno.test("l4OnHttpPortFinding() flags an L4 grant on port 80 or 443 only", () => {
  assert.equal(l4OnHttpPortFinding({ host: "a.example", port: 443 }, "e")?.code, "use_l7_not_l4");
  assert.equal(l4OnHttpPortFinding({ host: "a.example", ports: [22, 80] }, "e")?.severity, "warn");
  assert.equal(l4OnHttpPortFinding({ host: "a.example", port: 22 }, "e"), undefined);
  assert.equal(l4OnHttpPortFinding(rest("GET", "/x"), "e"), undefined);
});

Deno.test("binaryBreadthFinding() flags interpreters, shells and wrappers, versions included", () => {
  const runsAnything = [
    "/usr/bin/python3",
    "/usr/bin/python3.11",
    "/usr/local/bin/node",
    "/usr/bin/node20",
    "/bin/bash",
    "/bin/sh",
    "/usr/bin/env",
    "/usr/bin/perl5.36.0",
    "/usr/bin/ruby3.2",
    "/home/u/.deno/bin/deno",
    "/**/python3",
  ];
  for (const path of runsAnything) {
    assert.equal(binaryBreadthFinding(path)?.code, "interpreter_binary", path);
  }
  for (const path of ["/usr/bin/curl", "/usr/bin/git", "/usr/bin/shasum", "/usr/bin/envsubst"]) {
    assert.equal(binaryBreadthFinding(path), undefined, path);
  }
  assert.equal(binaryBreadthFinding("/usr/bin/*")?.code, "broad_binary");
});
