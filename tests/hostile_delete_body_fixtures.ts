/**
 * The lenient origin behind a test proxy, shared by the DELETE-body tests over HTTP/1.1 and
 * HTTP/2: lenient.example.com (80 in the clear, 443 over TLS) allows DELETE /repos/** and
 * GET /public/**; gql.example.com:443 is a GraphQL endpoint on the same TLS origin.
 */
import { startTestProxy, startTestUpstreams, type TestProxy } from "./support/mod.ts";
import { type LenientOrigin, startLenientOrigin } from "./support/lenient_origin.ts";

/** The REST host. */
export const HOST = "lenient.example.com";
/** The GraphQL host (port 443, path /graphql). */
export const GQL_HOST = "gql.example.com";
/** The policy: DELETE /repos/** and GET /public/** on HOST, viewer queries on GQL_HOST. */
export const POLICY = `version: 1
network_policies:
  repos:
    endpoints:
      - host: ${HOST}
        port: 80
        protocol: rest
        rules: &repos
          - allow: { method: DELETE, path: "/repos/**" }
          - allow: { method: GET, path: "/public/**" }
      - host: ${HOST}
        port: 443
        protocol: rest
        rules: *repos
      - host: ${GQL_HOST}
        port: 443
        path: /graphql
        protocol: graphql
        rules:
          - allow: { operation_type: query, fields: [viewer] }
    binaries: [{ path: /usr/bin/curl }]
`;
/** Every client is curl: these tests are about framing. */
export const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };
/** The path the DELETEs go to. */
export const PATH = "/repos/o/r/contents/x";
/** A request hidden in a body. */
export const HIDDEN = `GET /admin HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;

/** Run `run` with a proxy whose HOST (80 plain, 443 TLS) and GQL_HOST are lenient origins. */
export async function withLenient(
  run: (proxy: TestProxy, plain: LenientOrigin, secure: LenientOrigin) => Promise<void>,
): Promise<void> {
  let plain: LenientOrigin | undefined;
  let secure: LenientOrigin | undefined;
  // The TLS origin's certificate comes from the upstreams' CA, which the proxy trusts.
  const upstreams = await startTestUpstreams({ hosts: [HOST, GQL_HOST] });
  try {
    plain = await startLenientOrigin();
    secure = await startLenientOrigin(await upstreams.mintLeaf([HOST, GQL_HOST]));
    const resolve = [
      { host: HOST, port: 80, address: "127.0.0.1", targetPort: plain.port },
      { host: HOST, port: 443, address: "127.0.0.1", targetPort: secure.port },
      { host: GQL_HOST, port: 443, address: "127.0.0.1", targetPort: secure.port },
    ];
    const proxy = await startTestProxy({ policy: POLICY, identity, upstreams, resolve });
    try {
      await run(proxy, plain, secure);
    } finally {
      await proxy.close();
    }
  } finally {
    await plain?.close();
    await secure?.close();
    await upstreams.close();
  }
}
