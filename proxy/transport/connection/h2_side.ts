/**
 * What interception needs of the HTTP/2 side (`h2/`), as types only: the transport stands
 * below `h2/` (whose exchanges reuse the HTTP/1 ones), so it never imports it. The composition
 * point passes `h2/mod.ts`'s `loadH2Side` in as `ProxyOptions.loadH2Side`; without it,
 * interception offers HTTP/1.1 alone.
 *
 * @module
 */

import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { TLSSocket } from "node:tls";
import type { Decision } from "../../policy/mod.ts";
import type { TunnelDestination } from "../../upstream/mod.ts";
import type { ClientConnection } from "./client_connection.ts";

/** The HTTP/2 side of interception, loaded when a client first negotiates `h2`. */
export interface H2Side {
  /** Serve an intercepted tunnel's h2 streams, each decided like an HTTP/1.1 request. */
  serveH2Tunnel(
    client: ClientConnection,
    secure: TLSSocket,
    destination: TunnelDestination,
    l4: Decision,
  ): Promise<void>;
  /** Serve one h2 session, handing each stream the client opens to `onStream`. */
  serveH2(
    secure: TLSSocket,
    options: {
      onStream: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;
      idleMs: number;
    },
  ): Promise<void>;
  /** Answer one stream with the denial (the structured 403, or text to git). */
  respondH2Deny(
    stream: ServerHttp2Stream,
    decision: Decision,
    skillPath: string,
    request: { "user-agent"?: string; "content-type"?: string },
  ): void;
  /** Answer one stream with a JSON error `{error, detail}` (a gRPC status to gRPC). */
  respondH2Error(
    stream: ServerHttp2Stream,
    status: number,
    code: string,
    detail: string,
    request?: { "content-type"?: string },
  ): void;
}

/** Loads the HTTP/2 side (the runtime keeps the module: later calls resolve at once). */
export type LoadH2Side = () => Promise<H2Side>;

// Declared here rather than in proxy_context.ts: H2Side names ClientConnection, whose module
// imports proxy_context.ts, so a field written there would make the two files a type cycle.
declare module "./proxy_context.ts" {
  interface ProxyContext {
    /** Loads the HTTP/2 side of interception; absent, interception offers HTTP/1.1 alone. */
    loadH2Side?: LoadH2Side;
  }
}
