/**
 * CONNECT and what follows it: the tunnel's admission, TLS interception (HTTP/1.x here, h2
 * in `../h2/`), the in-band denials (a 403 told inside the tunnel), policy.local over CONNECT,
 * and a TLS client that mistook the proxy for HTTPS.
 *
 * @module
 */

export { handleConnect } from "./connect.ts";
export { negotiatedProtocol } from "./negotiated_protocol.ts";
export { tellTlsClient } from "./tls_to_proxy.ts";
export { admitTunnelRequest } from "./tunnel_admission.ts";
export type { Admission } from "./tunnel_admission.ts";
export type { Tunnel } from "./tunnel_admission.ts";
export type { TunnelGrant } from "./tunnel_admission.ts";
export type { TunnelRequest } from "./tunnel_admission.ts";
