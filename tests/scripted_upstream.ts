/**
 * A raw upstream for the pool tests: every request it reads (head, then a Content-Length body)
 * is answered with exactly the bytes a script returns, so a test can send what no well-behaved
 * server would (conflicting framing, bytes after the end, no answer at all) and see which
 * connection each request arrived on and when each connection closed.
 *
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";

/** One request as the upstream read it. */
export interface ScriptedRequest {
  /** Which accepted connection it came on (0 for the first). */
  connection: number;
  /** Request line and fields, without the final CRLF CRLF. */
  head: string;
  /** The method of the request line. */
  method: string;
  /** The target of the request line. */
  target: string;
  /** The body (by Content-Length). */
  body: string;
}

/** The upstream's answer: raw bytes to write, then optionally close the connection. */
export interface Reply {
  /** Bytes written as they are (latin1). */
  send?: string;
  /** Written after a pause of `laterMs` (bytes that come after a response has ended). */
  later?: string;
  /** Pause before `later`, ms (default 50). */
  laterMs?: number;
  /** Close the connection after writing. */
  close?: boolean;
  /** Close it with a TCP reset rather than a FIN. */
  reset?: boolean;
}

/** A running scripted upstream. */
export interface ScriptedUpstream {
  /** Its port on 127.0.0.1. */
  port: number;
  /** Every request read, in order. */
  requests: ScriptedRequest[];
  /** Connections accepted so far. */
  connections(): number;
  /** Resolves once connection `n` has closed (either side). */
  closed(n: number): Promise<void>;
  /** Connection `n` has closed. */
  isClosed(n: number): boolean;
  /** Stop listening and close every connection. */
  close(): Promise<void>;
}

/**
 * Start an upstream on 127.0.0.1 port 0 that answers each request with `script(request)`;
 * with `secure` it speaks TLS with that certificate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startScriptedUpstream } from "./scripted_upstream.ts";
 *
 * const upstream = await startScriptedUpstream(() => ({ send: "HTTP/1.1 204 \r\n\r\n" }));
 * const conn = await Deno.connect({ port: upstream.port });
 * await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
 * const buffer = new Uint8Array(64);
 * const n = await conn.read(buffer);
 * assert.match(new TextDecoder().decode(buffer.subarray(0, n ?? 0)), /^HTTP\/1.1 204/);
 * assert.equal(upstream.requests[0]?.connection, 0);
 * conn.close();
 * await upstream.closed(0);
 * await upstream.close();
 * ```
 */
export async function startScriptedUpstream(
  script: (request: ScriptedRequest) => Reply,
  secure?: { cert: string; key: string },
): Promise<ScriptedUpstream> {
  const requests: ScriptedRequest[] = [];
  const closes: { promise: Promise<void>; done: boolean }[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const context = secure && tls.createSecureContext(secure);
  const server = net.createServer((raw) => {
    const connection = closes.length;
    const socket = context
      ? new tls.TLSSocket(raw, { isServer: true, secureContext: context })
      : raw;
    const entry = { done: false, promise: Promise.resolve() };
    entry.promise = new Promise((resolve) =>
      raw.once("close", () => {
        entry.done = true;
        resolve();
      })
    );
    closes.push(entry);
    for (const s of [raw, socket]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => raw.destroy());
    }
    let buffer = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      for (let read = take(buffer); read !== undefined; read = take(buffer)) {
        buffer = read.rest;
        const request = { connection, ...read.request };
        requests.push(request);
        answer(socket, script(request), timers);
      }
    });
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port))
  );
  return {
    port,
    requests,
    connections: () => closes.length,
    closed: (n) => closes[n]?.promise ?? Promise.reject(new RangeError(`No connection ${n}`)),
    isClosed: (n) => closes[n]?.done ?? false,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      const stopped = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await Promise.all([stopped, ...closes.map((c) => c.promise)]);
    },
  };
}

function answer(
  socket: net.Socket,
  reply: Reply,
  timers: Set<ReturnType<typeof setTimeout>>,
): void {
  if (reply.send !== undefined) socket.write(reply.send, "latin1");
  const finish = () => {
    if (reply.later !== undefined && !socket.destroyed) socket.write(reply.later, "latin1");
    if (reply.close && reply.reset) socket.resetAndDestroy();
    else if (reply.close) socket.destroy();
  };
  if (reply.later === undefined) return finish();
  const timer = setTimeout(() => {
    timers.delete(timer);
    finish();
  }, reply.laterMs ?? 50);
  timers.add(timer);
}

function take(
  buffer: string,
): { request: Omit<ScriptedRequest, "connection">; rest: string } | undefined {
  const end = buffer.indexOf("\r\n\r\n");
  if (end === -1) return undefined;
  const head = buffer.slice(0, end);
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
  if (buffer.length < end + 4 + length) return undefined;
  const [method = "", target = ""] = head.split(" ");
  const body = buffer.slice(end + 4, end + 4 + length);
  return { request: { head, method, target, body }, rest: buffer.slice(end + 4 + length) };
}
