/**
 * End to end: `protocol: graphql` through a real proxy, on the plain-HTTP forward path and
 * inside an intercepted CONNECT tunnel, over HTTP/1.1 and HTTP/2. The cases are OpenShell's e2e test
 * (e2e/rust/tests/forward_proxy_graphql_l7.rs) with its policy and expected statuses.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { classifyGraphqlRequest, decide, loadPolicyFile } from "../proxy/policy/mod.ts";
import {
  type H2ClientRequest,
  type H2TestUpstream,
  nodeH2Requests,
  rawRequest,
  startH2Upstream,
  startTestProxy,
  startTestUpstreams,
  type TestProxy,
  type TestUpstreams,
  tunnelRequest,
  withTestProxy,
} from "./support/mod.ts";

const endpoint = (host: string, port: number) =>
  `      - host: ${host}
        port: ${port}
        path: /graphql
        protocol: graphql
        enforcement: enforce
        persisted_queries: allow_registered
        graphql_persisted_queries:
          abc123:
            operation_type: query
            operation_name: Viewer
            fields: [viewer]
        rules:
          - allow:
              operation_type: query
              fields: [viewer]
          - allow:
              operation_type: mutation
              fields: [createIssue]
        deny_rules:
          - operation_type: mutation
            fields: [deleteRepository]
`;

const POLICY = `version: 1
network_policies:
  test_graphql_l7:
    name: test_graphql_l7
    endpoints:
${endpoint("plain.example.com", 80)}${endpoint("api.github.com", 443)}`;

const VIEWER = "query Viewer { viewer { login } }";
const REPOSITORY = 'query Repo { repository(owner:"o", name:"r") { id } }';
const CREATE =
  'mutation Create { createIssue(input:{repositoryId:"r", title:"t"}) { issue { id } } }';
const DELETE =
  'mutation Delete { deleteRepository(input:{repositoryId:"r"}) { clientMutationId } }';
const PERSISTED = (hash: string) =>
  `operationName=Viewer&extensions=${
    encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }))
  }`;

type Send = (head: string, body?: string) => Promise<{ status: number; body: string }>;

function post(query: string, chunked = false): [string, string] {
  const body = JSON.stringify({ query });
  const framing = chunked
    ? "Transfer-Encoding: chunked"
    : `Content-Length: ${new TextEncoder().encode(body).byteLength}`;
  const wire = chunked ? `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n` : body;
  return [`POST TARGET HTTP/1.1\r\nContent-Type: application/json\r\n${framing}\r\n`, wire];
}

/** OpenShell's e2e cases: [name, request head (target, extra fields), body, status]. */
function cases(): [string, string, string | undefined, number][] {
  const q = (text: string) => `query=${encodeURIComponent(text)}`;
  return [
    ["query_allowed", ...post(VIEWER), 200],
    ["get_query_allowed", `GET TARGET?${q(VIEWER)} HTTP/1.1\r\n`, undefined, 200],
    ["duplicate_get_denied", `GET TARGET?${q(VIEWER)}&${q(DELETE)} HTTP/1.1\r\n`, undefined, 403],
    ["persisted_get_allowed", `GET TARGET?${PERSISTED("abc123")} HTTP/1.1\r\n`, undefined, 200],
    [
      "unregistered_persisted_get_denied",
      `GET TARGET?${PERSISTED("missing")} HTTP/1.1\r\n`,
      undefined,
      403,
    ],
    ["chunked_query_allowed", ...post(VIEWER, true), 200],
    ["unlisted_field_denied", ...post(REPOSITORY), 403],
    ["mutation_allowed", ...post(CREATE), 200],
    ["deny_rule_denied", ...post(DELETE), 403],
  ];
}

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
    assert.equal(
      denied.detail,
      "GraphQL operation blocked by endpoint policy: mutation Delete { deleteRepository }",
    );
    assert.deepEqual(denied.operation, {
      operation_type: "mutation",
      operation_name: "Delete",
      fields: ["deleteRepository"],
    });
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

/** The same cases as HTTP/2 requests of Node's http2 client (one session per host). */
function h2Cases(): { name: string; request: H2ClientRequest; status: number }[] {
  return cases().map(([name, head, body, status]) => {
    const [method, target] = head.split(" ") as [string, string];
    // A chunked HTTP/1.1 body is one DATA frame's worth here: HTTP/2 has no chunked coding.
    const json = body?.includes("\r\n") ? body.split("\r\n")[1] : body;
    const headers = json === undefined ? undefined : { "content-type": "application/json" };
    return {
      name,
      request: { method, path: target.replace("TARGET", "/graphql"), body: json, headers },
      status,
    };
  });
}

async function withH2World(
  run: (world: { proxy: TestProxy; upstreams: TestUpstreams; h2: H2TestUpstream }) => Promise<void>,
  options: { idleTimeoutMs?: number } = {},
): Promise<void> {
  const upstreams = await startTestUpstreams();
  const h2 = await startH2Upstream(upstreams, ["gql.example.com"]);
  const proxy = await startTestProxy({
    policy: POLICY + endpoint("gql.example.com", 443),
    upstreams,
    resolve: [{ host: "gql.example.com", port: 443, address: "127.0.0.1", targetPort: h2.port }],
    ...options,
  });
  try {
    await run({ proxy, upstreams, h2 });
  } finally {
    await proxy.close();
    await h2.close();
    await upstreams.close();
  }
}

Deno.test("graphql #13/#14 item 2: an h2-only client (Node http2) in an intercepted tunnel gets the same verdicts, to an HTTP/1.1 or an h2 origin; the judged bytes go upstream and the 403 names the operation", async () => {
  await withH2World(async ({ proxy, upstreams, h2 }) => {
    const all = h2Cases();
    const denyDelete = {
      method: "POST",
      path: "/graphql",
      body: JSON.stringify({ query: DELETE }),
    };
    const origins = [
      { host: "api.github.com", bodies: () => upstreams.requests.map((r) => r.body) },
      { host: "gql.example.com", bodies: () => h2.requests.map((r) => r.body) },
    ];
    for (const { host, bodies } of origins) {
      const requests = [...all.map((c) => c.request), {
        ...denyDelete,
        headers: { "content-type": "application/json" },
      }];
      const result = await nodeH2Requests(proxy.port, host, proxy.caPath, requests);
      assert.equal(result.alpn, "h2", result.stderr);
      for (const [i, { name, status }] of all.entries()) {
        const response = result.responses[i];
        assert.equal(response?.status, status, `${host} ${name}: ${JSON.stringify(response)}`);
        if (status === 403 && name !== "duplicate_get_denied") {
          assert.equal(JSON.parse(response!.body).protocol, "graphql", `${host} ${name}`);
        }
      }
      // Exactly the allowed requests arrived, each with the bytes that were judged.
      const allowedBodies = all.filter((c) => c.status === 200).map((c) => c.request.body ?? "");
      assert.deepEqual(bodies(), allowedBodies, host);
      const denied = JSON.parse(result.responses.at(-1)!.body);
      assert.equal(
        denied.detail,
        "GraphQL operation blocked by endpoint policy: mutation Delete { deleteRepository }",
      );
      assert.deepEqual(denied.operation, {
        operation_type: "mutation",
        operation_name: "Delete",
        fields: ["deleteRepository"],
      });
    }
  });
});

Deno.test("graphql #13/#14 items 2, 3: over h2, a GraphQL body over the cap is refused (413) and one that stops arriving gets the 408; nothing goes upstream", async () => {
  await withH2World(async ({ proxy, upstreams }) => {
    const headers = { "content-type": "application/json" };
    const big = JSON.stringify({ query: VIEWER, variables: { pad: "x".repeat(70_000) } });
    const result = await nodeH2Requests(proxy.port, "api.github.com", proxy.caPath, [
      { method: "POST", path: "/graphql", body: big, headers },
      { method: "POST", path: "/graphql", body: '{"query":"query Viewer', headers, stall: true },
      { method: "POST", path: "/graphql", body: JSON.stringify({ query: VIEWER }), headers },
    ]);
    assert.equal(result.alpn, "h2", result.stderr);
    const [tooLarge, stalled, fine] = result.responses;
    assert.equal(tooLarge?.status, 413, JSON.stringify(tooLarge));
    assert.equal(stalled?.status, 408, JSON.stringify(stalled));
    assert.equal(JSON.parse(stalled!.body).error, "request_timeout");
    assert.equal(fine?.status, 200, JSON.stringify(fine));
    assert.equal(upstreams.requests.length, 1);
  }, { idleTimeoutMs: 1000 });
});
