/**
 * The ALPN outcome of a TLS handshake the proxy terminated: which protocol the client settled on.
 * Apart from `h2_server.ts` so that reading it does not load `node:http2`.
 *
 * @module
 */

import type { TLSSocket } from "node:tls";

/**
 * The protocol the client's TLS handshake settled on (`"h2"`, `"http/1.1"`, or `false` when it
 * offered no ALPN), or undefined when the handshake failed, closed or took longer than
 * `timeoutMs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as net from "node:net";
 * import * as tls from "node:tls";
 * import { CertificateAuthority } from "../../tls/mod.ts";
 * import { negotiatedProtocol } from "./negotiated_protocol.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const ca = await CertificateAuthority.loadOrCreate(dir);
 * const secureContext = await ca.secureContextFor("api.test");
 * // As interception does: a server TLS socket on the accepted TCP socket, offering h2.
 * type TlsOptions = ConstructorParameters<typeof tls.TLSSocket>[1];
 * const options = { isServer: true, secureContext, ALPNCallback: () => "h2" } as TlsOptions;
 * const negotiated = Promise.withResolvers<string | false | undefined>();
 * const server = net.createServer((raw) => {
 *   const secure = new tls.TLSSocket(raw, options);
 *   negotiatedProtocol(secure, 5_000).then(negotiated.resolve).finally(() => secure.destroy());
 * });
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as net.AddressInfo;
 * const alpn = { ALPNProtocols: ["h2"] };
 * const client = tls.connect({ port, ca: ca.certPem, servername: "api.test", ...alpn });
 * client.on("error", () => {});
 * assert.equal(await negotiated.promise, "h2");
 * client.destroy();
 * await new Promise((resolve) => server.close(resolve));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function negotiatedProtocol(
  secure: TLSSocket,
  timeoutMs: number,
): Promise<string | false | undefined> {
  return new Promise((resolve) => {
    const done = (protocol: string | false | undefined) => {
      clearTimeout(timer);
      secure.off("secure", onSecure);
      secure.off("close", onClose);
      resolve(protocol);
    };
    const onSecure = () => done(secure.alpnProtocol ?? false);
    const onClose = () => done(undefined);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    secure.once("secure", onSecure);
    secure.once("close", onClose);
  });
}
