/**
 * A GraphQL POST whose body reads one way as JSON and another as a urlencoded form. The proxy
 * judged every GraphQL POST body as JSON whatever its `Content-Type`; GraphQL Yoga (and
 * express-graphql) read a body typed `application/x-www-form-urlencoded` as a form. So
 * `{"query":"{ viewer }","x":"&query=mutation { deleteRepository }&y="}`, sent as a form,
 * passed an allow of `query { viewer }` as that query, and a real Yoga server ran the mutation
 * in it. A body not typed JSON that also reads as a form naming a GraphQL parameter is now
 * refused; a JSON body sent without a JSON type (GitHub's documented `curl -d` example) still
 * passes.
 */
import assert from "node:assert/strict";
import { yogaAt, yogaMissing } from "./yoga_origin.ts";
import { skipWhenMissing, withOrigins } from "./support/mod.ts";

const HOST = "api.example.com";
const POLICY = `version: 1
network_policies:
  gql:
    endpoints:
      - host: ${HOST}
        port: 80
        path: /graphql
        protocol: graphql
        rules:
          - allow: { operation_type: query, fields: [viewer] }
`;
const MUTATION = "mutation { deleteRepository }";
const FORM = "Content-Type: application/x-www-form-urlencoded";
const ATTACKS: [string, string][] = [
  [FORM, `{"query":"{ viewer }","x":"&query=${MUTATION}&y="}`],
  [FORM, `{"query":"{ viewer }","x":";query=${MUTATION}&y="}`],
  [FORM, `{"query":"{ viewer }","x":"&+query=${MUTATION}&y="}`],
  [FORM, `{"query":"{ viewer }","x":"&%71uery=${MUTATION}&y="}`],
  [`${FORM}; x=application/json`, `{"query":"{ viewer }","x":"&query=${MUTATION}&y="}`],
  ["Content-Type: text/plain", `{"query":"{ viewer }","x":"&query=${MUTATION}&y="}`],
];
const ignore = await skipWhenMissing(import.meta.url, yogaMissing());

Deno.test({
  name: "hostile graphql form: a JSON body that reads as a form naming a query never reaches Yoga",
  ignore,
  fn: () =>
    withOrigins(
      { policy: POLICY, prefix: "tollgate-yoga-", ...yogaAt(HOST) },
      async ({ origins: { yoga }, curl }) => {
        const post = async (type: string, body: string) =>
          await curl(`http://${HOST}/graphql`, ["-H", type, "--data-raw", body]);
        const passed = [];
        for (const [type, body] of ATTACKS) {
          const res = await post(type, body);
          const refused = res.status === 403 && /reads as a form/.test(res.body);
          if (!refused) passed.push(`${res.status} ${type} ${body}`);
        }
        assert.deepEqual(passed, [], "not refused");
        assert.deepEqual(await yoga.seen(), [], "Yoga ran an operation the policy never judged");
        // JSON typed as JSON passes, and so does JSON sent as curl -d sends it (GitHub's docs).
        const json = await post("Content-Type: application/json", '{"query":"{ viewer }"}');
        assert.equal(json.status, 200, json.body);
        const untyped = await post(FORM, '{"query":"{ viewer }","variables":{"a":"b&c"}}');
        assert.notEqual(untyped.status, 403, untyped.body);
        assert.doesNotMatch(untyped.body, /"error":"bad_request"/);
        assert.deepEqual(await yoga.seen(), ["viewer"]);
      },
    ),
});
