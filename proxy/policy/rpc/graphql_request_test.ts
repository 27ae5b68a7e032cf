/**
 * Table tests of the GraphQL classifier. Each vector names the OpenShell test it comes from
 * (crates/openshell-supervisor-network/src/l7/graphql.rs, `mod tests`), or says it is
 * Tollgate's own.
 */
import assert from "node:assert/strict";
import { classifyGraphqlRequest } from "./graphql_request.ts";

const post = (body: string) =>
  classifyGraphqlRequest({ method: "POST", body: new TextEncoder().encode(body) });
const get = (query: string) => classifyGraphqlRequest({ method: "GET", query });

Deno.test("classifyGraphqlRequest() agrees with OpenShell's graphql.rs vectors", () => {
  // classifies_simple_query
  let info = post('{"query":"query Viewer { viewer { login } }"}');
  assert.equal(info.error, undefined);
  assert.equal(info.operations[0]?.operation_type, "query");
  assert.deepEqual(info.operations[0]?.fields, ["viewer"]);
  // classifies_mutation_field_not_alias
  info = post(
    '{"query":"mutation M { safeAlias: volumeDelete(volumeId:\\"x\\") { id } }","operationName":"M"}',
  );
  assert.equal(info.error, undefined);
  assert.equal(info.operations[0]?.operation_type, "mutation");
  assert.equal(info.operations[0]?.operation_name, "M");
  assert.deepEqual(info.operations[0]?.fields, ["volumeDelete"]);
  // expands_root_fragments
  info = post(
    '{"query":"query Q { ...RootFields } fragment RootFields on Query { viewer repository(owner:\\"o\\", name:\\"r\\") { id } }"}',
  );
  assert.equal(info.error, undefined);
  assert.deepEqual(info.operations[0]?.fields, ["repository", "viewer"]);
  // multiple_operations_without_name_errors
  info = post('{"query":"query A { viewer { login } } query B { rateLimit { limit } }"}');
  assert.match(info.error!, /multiple operations/);
  // detects_hash_only_apollo_persisted_query
  info = post(
    '{"operationName":"Viewer","extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc123"}}}',
  );
  assert.equal(info.error, undefined);
  assert.deepEqual(info.operations[0], {
    operation_type: "",
    operation_name: "Viewer",
    fields: [],
    persisted_query: true,
    persisted_query_hash: "abc123",
  });
  // graphql_get_rejects_duplicate_query_parameter
  info = get(
    "query=query+Viewer+%7B+viewer+%7B+login+%7D+%7D&query=mutation+Delete+%7B+volumeDelete(volumeId%3A%22x%22)+%7B+id+%7D+%7D",
  );
  assert.match(info.error!, /must not appear more than once/);
  // graphql_get_rejects_ambiguous_persisted_query_ids
  assert.match(get("id=one&queryId=two").error!, /must not be combined/);
});

Deno.test("classifyGraphqlRequest() reads GET parameters, batches and refuses what it cannot judge", () => {
  // forward_proxy_graphql_l7.rs: GET query and persisted GET.
  assert.deepEqual(get("query=query+Viewer+%7B+viewer+%7B+login+%7D+%7D").operations[0]?.fields, [
    "viewer",
  ]);
  const ext = encodeURIComponent('{"persistedQuery":{"version":1,"sha256Hash":"abc123"}}');
  assert.equal(
    get(`operationName=Viewer&extensions=${ext}`).operations[0]?.persisted_query_hash,
    "abc123",
  );
  // l7_graphql_batch_denied_if_any_operation_unallowed: a batch yields every operation.
  const batch = post('[{"query":"{ viewer }"},{"query":"mutation { deleteRepository }"}]');
  assert.deepEqual(batch.operations.map((o) => o.operation_type), ["query", "mutation"]);
  const cases: [ReturnType<typeof post>, RegExp][] = [
    [post("[]"), /batch request is empty/],
    [post("[1]"), /batch item must be an object/],
    [post('"x"'), /must be an object or array/],
    [post("{"), /not valid JSON/],
    [post("{}"), /no query document/],
    [classifyGraphqlRequest({ method: "POST" }), /POST body is empty/],
    [post('{"query":"query { a "}'), /parse error/],
    [post('{"query":"type Query { a: Int }"}'), /parse error/],
    [post('{"query":"fragment F on Q { a }"}'), /no executable operation/],
    [post('{"query":"query A { a }","operationName":"B"}'), /"B" was not found/],
    // Tollgate's own: a POST whose URL names another operation (express-graphql reads it).
    [
      classifyGraphqlRequest({
        method: "POST",
        query: "query=mutation+%7Bx%7D",
        body: new TextEncoder().encode('{"query":"{a}"}'),
      }),
      /URL/,
    ],
  ];
  for (const [info, error] of cases) assert.match(info.error ?? "", error);
  // Inline fragments and directives count their root fields; nested fields do not.
  const op = post(
    '{"query":"query { ... on Query @include(if: true) { a } b: c(x: [1, {y: $v}]) { d } }"}',
  );
  assert.deepEqual(op.operations[0]?.fields, ["a", "c"]);
});

Deno.test("classifyGraphqlRequest() refuses a POST body not typed JSON that reads as a form naming a parameter", () => {
  const as = (contentType: string | undefined, body: string) =>
    classifyGraphqlRequest({ method: "POST", body: new TextEncoder().encode(body), contentType });
  const polyglot = '{"query":"{ viewer }","x":"&query=mutation { deleteRepository }&y="}';
  const form = "application/x-www-form-urlencoded";
  for (
    const [type, body] of [
      [form, polyglot],
      [undefined, polyglot],
      ["text/plain", polyglot],
      [`${form}; x=application/json`, polyglot],
      ["application/json, application/x-www-form-urlencoded", polyglot],
      [form, '{"query":"{ viewer }","x":";operationName=A"}'],
      [form, '{"query":"{ viewer }","x":"&Query[]=mutation { d }"}'],
      [form, '{"query":"{ viewer }","x":"&%71uery=x"}'],
      [form, '{"query":"{ viewer }","x":"&extensions={}&"}'],
    ] as const
  ) {
    assert.match(as(type, body).error ?? "", /reads as a form/, `${type} ${body}`);
  }
  // Typed JSON, it is read as JSON; a JSON body whose form reading names nothing passes untyped.
  for (
    const type of [
      "application/json",
      "Application/JSON; charset=UTF-8",
      "application/graphql+json",
    ]
  ) {
    assert.deepEqual(as(type, polyglot).operations.map((o) => o.fields), [["viewer"]], type);
  }
  const plain = as(
    form,
    ' { "query": "query { viewer { login } }", "variables": {"a": "b&c=d"} } ',
  );
  assert.deepEqual(plain.operations.map((o) => o.fields), [["viewer"]]);
});
