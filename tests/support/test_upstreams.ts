/**
 * Local HTTP and HTTPS upstream servers for end-to-end tests, with their own test CA and a
 * log of every request and every byte that reached them (so a test can prove that nothing
 * did). Written over raw sockets with a deliberately small, independent HTTP parser: the proxy
 * under test must not be checked against its own parser.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import * as net from "node:net";
import * as tls from "node:tls";
import { join } from "node:path";
import { CertificateAuthority } from "../../proxy/tls/mod.ts";

/** One request an upstream received. */
export interface RecordedRequest {
  /** It came over the HTTPS server. */
  tls: boolean;
  /** Method as received. */
  method: string;
  /** Request-target exactly as received. */
  target: string;
  /** Header fields in order, names as received. */
  headers: [string, string][];
  /** Body (by Content-Length), latin1. */
  body: string;
}

/** Running test upstreams. */
export interface TestUpstreams {
  /** Plain HTTP port on 127.0.0.1. */
  httpPort: number;
  /** HTTPS port on 127.0.0.1 (certificate for every name in `hosts`). */
  httpsPort: number;
  /** PEM path of the CA that signed the HTTPS certificate (the proxy's `--upstream-ca`). */
  caPath: string;
  /** The same CA, PEM text. */
  caPem: string;
  /** Requests received, in order. */
  requests: RecordedRequest[];
  /** Connections accepted so far (both servers). */
  connections(): number;
  /** Bytes received so far on all connections (both servers). */
  bytesReceived(): number;
  /** First header value by case-insensitive name. */
  header(request: RecordedRequest, name: string): string | undefined;
  /** A leaf for `names` signed by the same CA: what a test's own origin serves to the proxy. */
  mintLeaf(names: string[]): Promise<{ chainPem: string; keyPem: string }>;
  /** Close both servers and every connection, and remove the CA files. */
  close(): Promise<void>;
}

/** Options of {@linkcode startTestUpstreams}. */
export interface TestUpstreamOptions {
  /** Names in the HTTPS certificate (default: api.github.com and example.com). */
  hosts?: string[];
  /**
   * Awaited before each response (after the request is recorded), so a test can act while
   * a request is in flight, e.g. change the policy between two kept-alive requests.
   */
  beforeResponse?: (request: RecordedRequest) => Promise<void> | void;
}

/**
 * Start the HTTP and HTTPS upstreams.
 *
 * Routes (both servers): `/chunked` answers with a chunked body, `/close` with a body ended
 * by closing the connection, `/status/NNN` with that status; anything else with 200 and a JSON
 * echo `{ok, tls, method, target, host, body}`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rawRequest, startTestUpstreams } from "./mod.ts";
 *
 * const upstreams = await startTestUpstreams();
 * await rawRequest(upstreams.httpPort, "GET /hello HTTP/1.1\r\nHost: a.test\r\n\r\n");
 * assert.equal(upstreams.requests[0]?.target, "/hello");
 * await upstreams.close();
 * ```
 */
export async function startTestUpstreams(
  options: TestUpstreamOptions = {},
): Promise<TestUpstreams> {
  const hosts = options.hosts ?? ["api.github.com", "example.com"];
  const dir = await Deno.makeTempDir({ prefix: "tollgate-upstream-ca-" });
  const ca = await CertificateAuthority.loadOrCreate(dir);
  const leaf = await ca.mintLeaf(hosts);
  const context = tls.createSecureContext({ cert: leaf.chainPem, key: leaf.keyPem });
  const requests: RecordedRequest[] = [];
  const sockets = new Set<net.Socket | tls.TLSSocket>();
  const counters = { connections: 0, bytes: 0 };
  const accept = (secure: boolean) => (raw: net.Socket) =>
    acceptConnection(raw, secure ? context : undefined, {
      requests,
      sockets,
      counters,
      beforeResponse: options.beforeResponse,
    });
  const httpServer = net.createServer(accept(false));
  const httpsServer = net.createServer(accept(true));
  const listen = (server: net.Server) =>
    new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port))
    );
  const [httpPort, httpsPort] = [await listen(httpServer), await listen(httpsServer)];
  return {
    httpPort,
    httpsPort,
    caPath: join(dir, "ca", "ca.pem"),
    caPem: ca.certPem,
    requests,
    connections: () => counters.connections,
    bytesReceived: () => counters.bytes,
    header: (request, name) =>
      request.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1],
    mintLeaf: (names) => ca.mintLeaf(names),
    async close() {
      const closed = [httpServer, httpsServer].map((s) => new Promise((r) => s.close(r)));
      const ended = [...sockets].map((s) =>
        new Promise<void>((resolve) => {
          if (s.closed) return resolve();
          s.once("close", () => resolve());
          s.destroy();
        })
      );
      await Promise.all([...closed, ...ended]);
      await Deno.remove(dir, { recursive: true });
    },
  };
}

interface UpstreamState {
  requests: RecordedRequest[];
  sockets: Set<net.Socket | tls.TLSSocket>;
  counters: { connections: number; bytes: number };
  beforeResponse?: (request: RecordedRequest) => Promise<void> | void;
}

function acceptConnection(
  raw: net.Socket,
  context: tls.SecureContext | undefined,
  state: UpstreamState,
): void {
  state.counters.connections++;
  raw.setNoDelay(true);
  raw.on("data", (chunk: Uint8Array) => void (state.counters.bytes += chunk.byteLength));
  const socket = context ? new tls.TLSSocket(raw, { isServer: true, secureContext: context }) : raw;
  for (const s of [raw, socket]) {
    state.sockets.add(s);
    s.on("close", () => state.sockets.delete(s));
    s.on("error", () => socket.destroy());
  }
  serve(socket, context !== undefined, state);
}

function serve(socket: net.Socket, secure: boolean, state: UpstreamState): void {
  let buffer = "";
  let busy = Promise.resolve(true);
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    // One request at a time, in order, even when a hook makes a response wait.
    busy = busy.then(async (open) => {
      while (open) {
        const parsed = takeRequest(buffer);
        if (parsed === undefined) return true;
        buffer = parsed.rest;
        const request = { ...parsed.request, tls: secure };
        state.requests.push(request);
        await state.beforeResponse?.(request);
        open = !socket.destroyed && respond(socket, request);
      }
      return false;
    });
  });
}

function takeRequest(
  buffer: string,
): { request: Omit<RecordedRequest, "tls">; rest: string } | undefined {
  const end = buffer.indexOf("\r\n\r\n");
  if (end === -1) return undefined;
  const [line, ...fields] = buffer.slice(0, end).split("\r\n");
  const [method = "", target = ""] = (line ?? "").split(" ");
  const headers = fields.map((f): [string, string] => {
    const colon = f.indexOf(":");
    return [f.slice(0, colon), f.slice(colon + 1).trim()];
  });
  const length = Number(headers.find(([n]) => n.toLowerCase() === "content-length")?.[1] ?? 0);
  if (buffer.length < end + 4 + length) return undefined;
  const body = buffer.slice(end + 4, end + 4 + length);
  return { request: { method, target, headers, body }, rest: buffer.slice(end + 4 + length) };
}

function respond(socket: net.Socket, request: RecordedRequest): boolean {
  const host = request.headers.find(([n]) => n.toLowerCase() === "host")?.[1];
  const write = (text: string) => socket.write(text, "latin1");
  if (request.target.startsWith("/chunked")) {
    write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
    write("6\r\nchunk-\r\n5\r\ned-ok\r\n0\r\n\r\n");
    return true;
  }
  if (request.target.startsWith("/close")) {
    write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nclosed-ok");
    socket.end();
    return false;
  }
  const status = Number(/^\/status\/(\d{3})/.exec(request.target)?.[1] ?? 200);
  const body = JSON.stringify({
    ok: true,
    tls: request.tls,
    method: request.method,
    target: request.target,
    host,
    body: request.body,
  });
  // Written as latin1, one byte a character: counted so (a UTF-8 count of a binary body's
  // echo was larger than what went, and a kept-alive proxy waited for the rest).
  const payload = request.method === "HEAD" ? "" : body;
  write(
    `HTTP/1.1 ${status} Test\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body, "latin1")}\r\nX-Upstream: test\r\n\r\n${payload}`,
  );
  return true;
}
