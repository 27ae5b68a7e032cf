/**
 * A CONNECT denied at L4, told in-band: most HTTPS clients hide the body of a refused CONNECT
 * (curl prints "CONNECT tunnel failed, response 403", git and Python only the status), so the
 * proxy accepts the tunnel, terminates TLS with a leaf for the requested host, and answers the
 * first request inside with the structured 403. Nothing is ever sent upstream.
 *
 * @module
 */

import type { SecureContext, TLSSocket } from "node:tls";
import type { Decision } from "../../policy/mod.ts";
import { ReadTimeoutError } from "../../wire/mod.ts";
import {
  type ClientConnection,
  type H2Side,
  LINGER_MS,
  type LoadH2Side,
  MAX_HEAD_BYTES,
  sendDeny,
  sendError,
} from "../connection/mod.ts";
import { values } from "../../wire/mod.ts";
import { parseRequestHead } from "../../wire/mod.ts";
import { serveDecrypted } from "./intercept.ts";
import { CONNECTION_ESTABLISHED } from "../tunnel/mod.ts";
import { isSshHello, sshDenial } from "./_ssh_denial.ts";
import type { ServerHttp2Stream } from "node:http2";

// The first byte of a TLS handshake record (a ClientHello).
const TLS_HANDSHAKE = 0x16;

/**
 * Answer a denied CONNECT with 200, then the structured 403 inside: over TLS when the client
 * starts a handshake, in the clear when it sends plain HTTP. The denial was decided (and put
 * on record) before; no other event is emitted. When no certificate can be minted, or minting
 * one is over the budget of `ctx.denialContexts`, the CONNECT itself gets the 403.
 *
 * @param denied The denied L4 decision for the CONNECT's host and port.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { denyInBand } from "./deny_in_band.ts";
 *
 * await using pair = await clientPair("version: 1\n");
 * const decision = await pair.client.decide("api.github.com", 443); // the CONNECT's, denied
 * await pair.send("GET /x HTTP/1.1\r\nHost: api.github.com\r\n\r\n");
 * await denyInBand(pair.client, decision);
 * const text = await pair.received();
 * assert.match(text, /^HTTP\/1.1 200 [^]*HTTP\/1.1 403 /);
 * assert.equal(JSON.parse(text.slice(text.indexOf("{"))).error, "policy_denied");
 * ```
 */
export async function denyInBand(client: ClientConnection, denied: Decision): Promise<void> {
  const { skillPath } = client.ctx;
  await tellInBand(client, denied.host, {
    refuse: (stream) => sendDeny(stream, denied, skillPath),
    ssh: () => sshDenial(denied, skillPath),
    http1: (inner, userAgent) => sendDeny(inner.stream, denied, skillPath, { userAgent }),
    h2: (side, stream, headers) => side.respondH2Deny(stream, denied, skillPath, headers),
  });
}

/**
 * How one refusal is told: at the CONNECT itself when no leaf can be minted, and otherwise
 * inside the tunnel, to whatever the client speaks there.
 */
export interface InBandAnswer {
  /** The answer to the CONNECT itself (no leaf, or over the minting budget). */
  refuse(stream: ClientConnection["stream"]): Promise<void>;
  /** Bytes for an SSH client, or undefined to close on it. */
  ssh(): Uint8Array | string | undefined;
  /** The answer to the first HTTP/1.1 request inside, in the clear or decrypted. */
  http1(inner: ClientConnection, userAgent: string | undefined): Promise<void>;
  /** The answer to one stream of an h2 client. */
  h2(
    side: H2Side,
    stream: ServerHttp2Stream,
    headers: { "user-agent"?: string; "content-type"?: string },
  ): void;
}

/**
 * One JSON error (`status`, `code`, `detail`) told the same way wherever the client reads it:
 * at the CONNECT, to its first HTTP/1.1 request, or to each h2 stream; an SSH client is closed.
 */
export function errorAnswer(status: number, code: string, detail: string): InBandAnswer {
  return {
    refuse: (stream) => sendError(stream, status, code, detail),
    ssh: () => undefined,
    http1: (inner) => sendError(inner.stream, status, code, detail),
    h2: (side, stream, headers) => side.respondH2Error(stream, status, code, detail, headers),
  };
}

/**
 * Accept a CONNECT to `host` that will carry no traffic and tell `answer` inside it: over TLS
 * with a leaf for `host` when the client starts a handshake, in the clear when it sends plain
 * HTTP. Nothing is ever sent upstream.
 */
export async function tellInBand(
  client: ClientConnection,
  host: string,
  answer: InBandAnswer,
): Promise<void> {
  const { ctx } = client;
  let secureContext: SecureContext;
  try {
    // Over the minting budget (a loop of CONNECTs to made-up names), the CONNECT is answered.
    const context = ctx.denialContexts.contextFor(host);
    if (context === undefined) return await answer.refuse(client.stream);
    secureContext = await context;
  } catch {
    return await answer.refuse(client.stream);
  }
  if (
    (await client.stream.write(CONNECTION_ESTABLISHED)?.then(() => true, () => false)) === false
  ) {
    return;
  }
  const first = await firstBytes(client);
  if (first === undefined) return;
  client.stream.unread(first);
  if (isSshHello(first)) {
    const ssh = answer.ssh();
    if (ssh === undefined) return;
    await client.stream.write(ssh)?.catch(() => {});
    await sshKexInit(client, first);
  } else if (startsTls(first)) {
    await answerOverTls(client, secureContext, answer);
  } else {
    await answerFirstRequest(client, answer);
  }
}

/** True when a tunnel's first bytes start a TLS handshake record (a ClientHello). */
export function startsTls(first: Uint8Array): boolean {
  return first[0] === TLS_HANDSHAKE;
}

/**
 * Terminate the client's TLS (its handshake already queued on the stream) with `secureContext`
 * and tell `answer` to its first HTTP/1.1 request, or to each stream of an h2 client.
 */
export async function answerOverTls(
  client: ClientConnection,
  secureContext: SecureContext,
  answer: InBandAnswer,
): Promise<void> {
  const { loadH2Side } = client.ctx;
  await serveDecrypted(
    client,
    secureContext,
    (inner) => answerFirstRequest(inner, answer),
    loadH2Side && ((secure) => answerH2Streams(client, secure, answer, loadH2Side)),
  );
}

/** What the client sends first after the 200, or undefined when it sends nothing in time. */
async function firstBytes(client: ClientConnection): Promise<Uint8Array | undefined> {
  try {
    return (await client.stream.read()) ?? undefined;
  } catch (error) {
    if (error instanceof ReadTimeoutError) return undefined;
    throw error;
  }
}

/**
 * Wait (up to `LINGER_MS`) for what OpenSSH sends once it read the server's identification line,
 * its KEXINIT, before the connection closes: behind a `ProxyCommand` that exits at the proxy's
 * close (`nc`, a relay script), that write would otherwise fail ("Broken pipe") before ssh reads
 * the disconnect that carries the denial.
 */
async function sshKexInit(client: ClientConnection, first: Uint8Array): Promise<void> {
  const lineEnd = first.indexOf(0x0a);
  if (lineEnd >= 0 && lineEnd < first.byteLength - 1) return; // it came with the line
  const read = async () => {
    await client.stream.read(); // the identification line, put back above
    await client.stream.read();
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => timer = setTimeout(resolve, LINGER_MS));
  try {
    await Promise.race([read().catch(() => {}), waited]);
  } finally {
    clearTimeout(timer);
  }
}

/** An h2-only client: each stream it opened gets the answer, then the session ends. */
async function answerH2Streams(
  client: ClientConnection,
  secure: TLSSocket,
  answer: InBandAnswer,
  loadH2Side: LoadH2Side,
): Promise<void> {
  const side = await loadH2Side();
  return await side.serveH2(secure, {
    idleMs: client.ctx.headTimeoutMs,
    onStream: (stream, headers) => {
      answer.h2(side, stream, headers);
      stream.session?.close();
    },
  });
}

/** Whatever the first request is (even a malformed one), `answer` answers it. */
async function answerFirstRequest(client: ClientConnection, answer: InBandAnswer): Promise<void> {
  const { ctx, stream } = client;
  const timeouts = { idleMs: ctx.headTimeoutMs, headMs: ctx.headTimeoutMs };
  const read = await stream.readHead(MAX_HEAD_BYTES, timeouts);
  if (read.kind === "eof" || (read.kind === "timeout" && !read.partial)) return;
  const parsed = read.kind === "head" ? parseRequestHead(read.bytes) : undefined;
  const userAgent = parsed?.ok ? values(parsed.head.headers, "user-agent")[0] : undefined;
  await answer.http1(client, userAgent);
}
