/**
 * A minimal HTTP/1.1 client connection for the load generator: one request at a time on a
 * kept-alive socket (plain or TLS), parsing only the status line, `Content-Length`,
 * `Transfer-Encoding: chunked` and `Connection: close`.
 *
 * @module
 */

import type { Socket } from "node:net";
import { Buffer } from "node:buffer";

/** What the load generator needs from a response. */
export interface ResponseInfo {
  /** HTTP status code. */
  status: number;
  /** True when the server will close the connection after this response. */
  closing: boolean;
  /** The whole response body (responses here are small). */
  body: Buffer;
}

const HEADER_END = Buffer.from("\r\n\r\n");
const CHUNKED_END = Buffer.from("0\r\n\r\n");
const MAX_HEAD = 64 * 1024;

interface Waiter {
  resolve: (info: ResponseInfo) => void;
  reject: (error: Error) => void;
}

/** A socket that sends one request at a time and resolves with each parsed response. */
export class HttpConn {
  /** The underlying socket (TCP or TLS). */
  readonly socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiter: Waiter | undefined;
  #ended = false;
  #error: Error | undefined;
  #staleFailure = false;
  #received = 0;

  /**
   * Wrap a connected socket. The caller has set TCP_NODELAY on the underlying TCP socket.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Buffer } from "node:buffer";
   * import { openTcp } from "./connect.ts";
   * import { HttpConn } from "./http_conn.ts";
   * import { createTestCertificates } from "./test_ca.ts";
   * import { startUpstreams } from "./upstream_servers.ts";
   *
   * const dir = await Deno.makeTempDir();
   * const up = await startUpstreams(await createTestCertificates(["bench.example"], dir));
   * const conn = new HttpConn(await openTcp(up.httpPort));
   * const res = await conn.request(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
   * assert.equal(res.status, 200);
   * conn.close();
   * await up.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#received += chunk.length;
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#tryParse();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#tryParse();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#tryParse();
    });
    socket.on("error", (error: Error) => {
      this.#error = error;
      this.#tryParse();
    });
  }

  /** True when the peer has ended or the socket failed: open a new connection. */
  get dead(): boolean {
    return this.#ended || this.#error !== undefined || this.socket.destroyed;
  }

  /**
   * True when the last request failed because the peer closed the connection before sending
   * any byte of the response: a kept-alive connection that the server had silently dropped.
   */
  get stale(): boolean {
    return this.#staleFailure;
  }

  /** Send `bytes` (one complete request) and wait for the whole response. */
  request(bytes: Uint8Array): Promise<ResponseInfo> {
    if (this.#waiter) return Promise.reject(new Error("Request already in flight"));
    if (this.dead) return Promise.reject(new Error("Connection is closed"));
    const promise = new Promise<ResponseInfo>((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
    this.#received = 0;
    this.#staleFailure = false;
    this.socket.write(bytes);
    return promise;
  }

  /** Close the socket without waiting. */
  close(): void {
    this.socket.destroy();
  }

  #tryParse(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    let parsed: ResponseInfo | undefined;
    try {
      parsed = this.#parse();
    } catch (error) {
      this.#waiter = undefined;
      waiter.reject(error as Error);
      return;
    }
    if (parsed) {
      this.#waiter = undefined;
      waiter.resolve(parsed);
    } else if (this.#error || this.#ended) {
      this.#waiter = undefined;
      this.#staleFailure = this.#received === 0;
      waiter.reject(this.#error ?? new Error("Connection closed before a full response"));
    }
  }

  #parse(): ResponseInfo | undefined {
    const buf = this.#buffer;
    const headEnd = buf.indexOf(HEADER_END);
    if (headEnd < 0) {
      if (buf.length > MAX_HEAD) throw new Error("Response head too large");
      return undefined;
    }
    const head = buf.toString("latin1", 0, headEnd);
    const status = Number(head.slice(9, 12));
    if (!head.startsWith("HTTP/1.") || !Number.isInteger(status)) {
      throw new Error("Malformed status line");
    }
    const closing = /\r\nconnection:[ \t]*close/i.test(head);
    const bodyStart = headEnd + 4;
    const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
    let bodyEnd: number;
    let framed = true;
    if (length) {
      bodyEnd = bodyStart + Number(length[1]);
      if (buf.length < bodyEnd) return undefined;
    } else if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
      const end = buf.indexOf(CHUNKED_END, bodyStart);
      if (end < 0) return undefined;
      bodyEnd = end + CHUNKED_END.length;
    } else if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
      bodyEnd = bodyStart;
    } else {
      // No framing: the body runs to the end of the connection.
      if (!this.#ended) return undefined;
      bodyEnd = buf.length;
      framed = false;
    }
    this.#buffer = buf.subarray(bodyEnd);
    return { status, closing: closing || !framed, body: buf.subarray(bodyStart, bodyEnd) };
  }
}
