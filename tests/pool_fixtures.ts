/**
 * The set-up of the pool tests: a sandbox's own upstream (`own.example.com`, port 80 in plain
 * HTTP and 443 through interception) served by a scripted raw socket, behind a test proxy that
 * lets "curl" do anything there.
 *
 * @module
 */

import { startTestProxy, startTestUpstreams, type TestProxy } from "./support/mod.ts";
import {
  type Reply,
  type ScriptedRequest,
  type ScriptedUpstream,
  startScriptedUpstream,
} from "./scripted_upstream.ts";

/** The host of the hostile sandbox's own server. */
export const OWN = "own.example.com";

const POLICY = `version: 1
network_policies:
  own:
    endpoints:
      - { host: ${OWN}, port: 80, protocol: rest, access: full }
      - { host: ${OWN}, port: 443, protocol: rest, access: full }
    binaries: [{ path: /usr/bin/curl }]
`;

/** What a pool test gets: the proxy, and the plain and TLS upstreams behind `OWN`. */
export interface PoolWorld {
  proxy: TestProxy;
  plain: ScriptedUpstream;
  secure: ScriptedUpstream;
}

/**
 * Run `run` with `script` answering on `OWN` (both ports), then close everything.
 *
 * @param script Answers each request (see `scripted_upstream.ts`).
 */
export async function withOwnUpstream(
  script: (request: ScriptedRequest) => Reply,
  run: (world: PoolWorld) => Promise<void>,
): Promise<void> {
  const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };
  const upstreams = await startTestUpstreams();
  // The test upstreams' CA, which a test proxy trusts, signs the TLS upstream's certificate.
  const leaf = await upstreams.mintLeaf([OWN]);
  const plain = await startScriptedUpstream(script);
  const secure = await startScriptedUpstream(script, { cert: leaf.chainPem, key: leaf.keyPem });
  try {
    const resolve = [
      { host: OWN, port: 80, address: "127.0.0.1", targetPort: plain.port },
      { host: OWN, port: 443, address: "127.0.0.1", targetPort: secure.port },
    ];
    const proxy = await startTestProxy({ policy: POLICY, identity, upstreams, resolve });
    try {
      await run({ proxy, plain, secure });
    } finally {
      await proxy.close();
    }
  } finally {
    await plain.close();
    await secure.close();
    await upstreams.close();
  }
}

/** A GET of `path` on `OWN` in absolute form, with `extra` fields. */
export function ownGet(path: string, extra = ""): string {
  return `GET http://${OWN}${path} HTTP/1.1\r\nHost: ${OWN}\r\n${extra}\r\n`;
}
