/**
 * OpenShell's rest.rs parsing cases (`openshell_cases_wire.ts`) through a real proxy: each
 * request is sent inside an intercepted tunnel, and what the client gets and what reached the
 * upstream are compared with what OpenShell's test pins.
 */
import assert from "node:assert/strict";
import { AS_CURL, tunnelRequest, withTestProxy } from "./support/mod.ts";
import type { TestProxy, TestUpstreams } from "./support/mod.ts";
import { WIRE, WIRE_ENCODED_SLASH, WIRE_POLICY } from "./openshell_cases_wire.ts";
import type { WireCase } from "./openshell_cases_wire.ts";

async function check(
  proxy: TestProxy,
  upstreams: TestUpstreams,
  test: WireCase,
  host = "api.github.com",
): Promise<string | undefined> {
  const bytes = test.request.startsWith("POST ") ? test.request : `GET ${test.request}`;
  const before = upstreams.requests.length;
  const response = await tunnelRequest(proxy.port, host, proxy.caPath, bytes, { timeoutMs: 3000 });
  const seen = upstreams.requests.slice(before);
  const said = `${response.status} ${response.body.slice(0, 120)}; upstream saw ${seen.length}`;
  if (test.status !== 200) {
    if (response.status < 400) return `expected a refusal, got ${said}`;
    return seen.length === 0 ? undefined : `reached upstream: ${said}`;
  }
  if (response.status !== 200) return `expected 200, got ${said}`;
  const got = seen[0];
  if (got === undefined || seen.length !== 1) return `expected one upstream request: ${said}`;
  if (test.upstreamTarget !== undefined && got.target !== test.upstreamTarget) {
    return `upstream target ${got.target}, expected ${test.upstreamTarget}`;
  }
  const names = got.headers.map(([name]) => name.toLowerCase());
  const leaked = (test.upstreamLacks ?? []).filter((name) => names.includes(name));
  return leaked.length === 0 ? undefined : `upstream saw ${leaked.join(", ")}`;
}

Deno.test("OpenShell rest.rs: each request inside a tunnel is parsed, refused or rewritten as OpenShell's test pins", async () => {
  await withTestProxy({ policy: WIRE_POLICY, identity: AS_CURL }, async (proxy, upstreams) => {
    const wrong: string[] = [];
    for (const test of WIRE) {
      const problem = await check(proxy, upstreams, test);
      if (problem !== undefined) wrong.push(`${test.mirrors}: ${problem}`);
    }
    const slash = await check(proxy, upstreams, WIRE_ENCODED_SLASH, "example.com");
    if (slash !== undefined) wrong.push(`${WIRE_ENCODED_SLASH.mirrors}: ${slash}`);
    assert.deepEqual(wrong, []);
  });
});
