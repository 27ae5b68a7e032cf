/**
 * End to end: `protocol: graphql` through a real proxy, on the plain-HTTP forward path and
 * inside an intercepted CONNECT tunnel, over HTTP/1.1. The cases are OpenShell's e2e test
 * (e2e/rust/tests/forward_proxy_graphql_l7.rs) with its policy and expected statuses.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { classifyGraphqlRequest, decide, loadPolicyFile } from "../proxy/policy/mod.ts";
import {
  rawRequest,
  type TestProxy,
  type TestUpstreams,
  tunnelRequest,
  withTestProxy,
} from "./support/mod.ts";
import {
  assertNamesDelete,
  cases,
  DELETE,
  POLICY,
  post,
  type Send,
  VIEWER,
} from "./openshell_graphql_fixtures.ts";

async function runCases(send: Send, upstreams: TestUpstreams): Promise<void> {
  for (const [name, head, body, status] of cases()) {
    const before = upstreams.requests.length;
    const response = await send(head, body);
    assert.equal(response.status, status, `${name}: ${response.body}`);
    assert.equal(upstreams.requests.length - before, status === 200 ? 1 : 0, name);
    if (status === 200 && body !== undefined) {
      // Exactly the judged bytes went upstream, re-framed with a Content-Length.
      assert.equal(
        upstreams.requests.at(-1)!.body,
        JSON.stringify(JSON.parse(body.includes("\r\n") ? body.split("\r\n")[1]! : body)),
        name,
      );
    }
    if (status === 403 && name !== "duplicate_get_denied") {
      const denial = JSON.parse(response.body);
      assert.equal(denial.layer, "l7", name);
      assert.equal(denial.protocol, "graphql", name);
    }
  }
}

function withProxy(run: (proxy: TestProxy, upstreams: TestUpstreams) => Promise<void>) {
  return withTestProxy({ policy: POLICY }, run);
}

Deno.test("graphql #11: forward proxy enforces OpenShell's GraphQL e2e allow and deny cases", async () => {
  await withProxy(async (proxy, upstreams) => {
    const send: Send = async (head, body = "") => {
      const wire = head.replace("TARGET", "http://plain.example.com/graphql") +
        "Host: plain.example.com\r\nConnection: close\r\n\r\n" + body;
      return await rawRequest(proxy.port, wire);
    };
    await runCases(send, upstreams);
  });
});

Deno.test("graphql #11: an intercepted tunnel enforces the same cases, and the 403 names the operation", async () => {
  await withProxy(async (proxy, upstreams) => {
    const send: Send = async (head, body = "") => {
      const wire = head.replace("TARGET", "/graphql") +
        "Host: api.github.com\r\nConnection: close\r\n\r\n" + body;
      return await tunnelRequest(proxy.port, "api.github.com", proxy.caPath, wire);
    };
    await runCases(send, upstreams);
    const [head, body] = post(DELETE);
    const denied = JSON.parse((await send(head, body)).body);
    assertNamesDelete(denied);
    assert.equal(denied.rule_missing.type, "graphql_allow");
  });
});

Deno.test("graphql #11: a body over graphql_max_body_bytes is refused (413) before anything goes upstream", async () => {
  await withProxy(async (proxy, upstreams) => {
    const big = JSON.stringify({ query: VIEWER, variables: { pad: "x".repeat(70_000) } });
    const wire = `POST http://plain.example.com/graphql HTTP/1.1\r\nHost: plain.example.com\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n${big}`;
    const response = await rawRequest(proxy.port, wire);
    assert.equal(response.status, 413, response.raw.slice(0, 300));
    assert.equal(upstreams.requests.length, 0);
  });
});

Deno.test("graphql #11: policies/examples/graphql.yaml lets gh create a pull request and nothing more", async () => {
  const { compiled } = await loadPolicyFile(
    fileURLToPath(new URL("../policies/examples/graphql.yaml", import.meta.url)),
  );
  const ask = (query: string, method = "POST") => {
    const body = new TextEncoder().encode(JSON.stringify({ query }));
    return decide(compiled, {
      host: "api.github.com",
      port: 443,
      identity: { exe: "/usr/bin/gh", ancestors: [] },
      method,
      path: "/graphql",
      graphql: classifyGraphqlRequest({ method, body }),
    }).verdict;
  };
  assert.equal(ask('query { repository(owner: "o", name: "r") { id } }'), "allow");
  assert.equal(
    ask(
      "mutation CreatePullRequest($i: CreatePullRequestInput!) { createPullRequest(input: $i) { pullRequest { url } } }",
    ),
    "allow",
  );
  assert.equal(
    ask("mutation CreatePullRequest { mergePullRequest(input: {}) { clientMutationId } }"),
    "deny",
  );
  assert.equal(ask("mutation D { deleteRepository(input: {}) { clientMutationId } }"), "deny");
});
