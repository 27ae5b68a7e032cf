import assert from "node:assert/strict";
import { formatEndpoint, formatEndpoints } from "../mod.ts";
import type { Endpoint } from "../mod.ts";

Deno.test("formatEndpoint() renders OpenShell's test vectors", () => {
  const table: [Endpoint, string][] = [
    [{ host: "host.example.test", port: 443 }, "host.example.test:443 [L4]"],
    [
      { host: "host.example.test", port: 443, protocol: "rest", access: "read-only" },
      "host.example.test:443 [L7 rest, access=read-only]",
    ],
    [
      {
        host: "host.example.test",
        port: 443,
        protocol: "rest",
        rules: [{ allow: { method: "PUT", path: "/v1/example/resource" } }],
        deny_rules: [{ method: "DELETE", path: "/v1/example/resource" }],
      },
      "host.example.test:443 [L7 rest, allow PUT /v1/example/resource, deny DELETE /v1/example/resource]",
    ],
    [{ host: "a.example", ports: [443, 8443] }, "a.example:443,8443 [L4]"],
    [{ host: "a.example", ports: [443] }, "a.example:443 [L4]"],
    [{ port: 5432, allowed_ips: ["10.0.0.0/24"] }, "*:5432 [L4]"],
    [
      {
        host: "a.example",
        port: 443,
        protocol: "rest",
        rules: [{ allow: { method: "", path: "" } }],
      },
      "a.example:443 [L7 rest, allow * *]",
    ],
  ];
  for (const [ep, expected] of table) assert.equal(formatEndpoint(ep), expected);
});

Deno.test("formatEndpoints() joins with a comma", () => {
  assert.equal(
    formatEndpoints([{ host: "a.example", port: 22 }, {
      host: "b.example",
      port: 443,
      protocol: "rest",
      access: "full",
    }]),
    "a.example:22 [L4], b.example:443 [L7 rest, access=full]",
  );
  assert.equal(formatEndpoints([]), "");
});

Deno.test("formatEndpoint() shows query matchers as OpenShell's draft review does", () => {
  // Before, "deny PUT /x" read as a deny of every PUT /x where it fires only for ref=main.
  const ep: Endpoint = {
    host: "a.example",
    port: 443,
    protocol: "rest",
    rules: [{
      allow: { method: "GET", path: "/x", query: { tag: { any: ["v1", "v2"] }, q: "a*" } },
    }],
    deny_rules: [{ method: "PUT", path: "/x", query: { ref: { glob: "main" } } }],
  };
  assert.equal(
    formatEndpoint(ep),
    "a.example:443 [L7 rest, allow GET /x; query q=a*, tag in [v1,v2], deny PUT /x; query ref=main]",
  );
});

Deno.test("formatEndpoint() shows an endpoint's path, which scopes its allows and denies", () => {
  // Before, "deny * /**" read as a deny of every request, where it judges only /a/**.
  const ep: Endpoint = {
    host: "a.example",
    port: 443,
    protocol: "rest",
    path: "/a/**",
    rules: [{ allow: { method: "GET", path: "/a/x" } }],
    deny_rules: [{ method: "*", path: "/**" }],
  };
  assert.equal(
    formatEndpoint(ep),
    "a.example:443 [L7 rest, path=/a/**, allow GET /a/x, deny * /**]",
  );
});

Deno.test("formatEndpoint() shows a JSON-RPC endpoint's methods (OpenShell's rule get rendering)", () => {
  // Before, protocol: json-rpc did not load; rendered as REST its rules read "reports.list *".
  const ep: Endpoint = {
    host: "rpc.example",
    port: 443,
    protocol: "json-rpc",
    path: "/rpc",
    rules: [{ allow: { method: "reports.list" } }, { allow: { method: "*" } }],
    deny_rules: [{ method: "reports.delete" }],
  };
  assert.equal(
    formatEndpoint(ep),
    "rpc.example:443 [L7 json-rpc, path=/rpc, allow reports.list, allow *, deny reports.delete]",
  );
});
