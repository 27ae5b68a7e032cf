/**
 * The responses a hostile upstream sends in the pool tests (`hostile_pool_framing_test.ts`):
 * framing a proxy must not guess about, and what the client gets for each.
 *
 * @module
 */

import type { Reply } from "./scripted_upstream.ts";

/** After the case: the connection served the probe too, was closed, or was set aside. */
export type After = "reused" | "closed" | "replaced";

/** One response an upstream may send, and what must come of it. */
export interface Case {
  name: string;
  reply: Reply;
  /** The status the client gets. */
  status: number;
  after: After;
  method?: string;
  /** What the client must receive as the head. */
  head?: RegExp;
  /** Only inside a tunnel (a plain-HTTP CONNECT is the proxy's own). */
  intercepted?: boolean;
}

/** A plain answer, "ok". */
export const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
const EVIL = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil";
const CHUNKED_OK = "2\r\nok\r\n0\r\n\r\n";

/** The responses of the table, each followed by a probe from another client. */
export const CASES: Case[] = [
  { name: "a plain response (control)", reply: { send: OK }, status: 200, after: "reused" },
  {
    name: "Content-Length with Transfer-Encoding",
    reply: {
      send:
        `HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_OK}`,
    },
    status: 502,
    after: "closed",
  },
  {
    name: "two Content-Length values that differ",
    reply: { send: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok" },
    status: 502,
    after: "closed",
  },
  {
    name: "a Content-Length list that differs",
    reply: { send: "HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok" },
    status: 502,
    after: "closed",
  },
  {
    name: "a Content-Length repeated and listed, all agreeing",
    reply: { send: "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok" },
    status: 200,
    after: "reused",
    head: /^HTTP\/1\.1 200 OK\r\nContent-Length: 2$/,
  },
  {
    name: "a coding other than chunked last (read to close)",
    reply: { send: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nraw", close: true },
    status: 200,
    after: "closed",
  },
  {
    name: "no length (read to close)",
    reply: { send: "HTTP/1.1 200 OK\r\n\r\nuntil close", close: true },
    status: 200,
    after: "closed",
  },
  {
    name: "Connection: close, upstream keeps it open",
    reply: { send: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok" },
    status: 200,
    after: "closed",
  },
  {
    name: "HTTP/1.0 without keep-alive",
    reply: { send: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok" },
    status: 200,
    after: "closed",
  },
  {
    name: "HTTP/1.0 keep-alive with Transfer-Encoding (faulty framing)",
    reply: {
      send:
        `HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_OK}`,
    },
    status: 200,
    after: "closed",
  },
  {
    name: "a body on a response to HEAD",
    reply: { send: "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil" },
    status: 200,
    after: "closed",
    method: "HEAD",
  },
  {
    name: "a body on 204",
    reply: { send: "HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\nevil" },
    status: 204,
    after: "closed",
  },
  {
    name: "a body on 304",
    reply: { send: "HTTP/1.1 304 Not Modified\r\nContent-Length: 4\r\n\r\nevil" },
    status: 304,
    after: "closed",
  },
  {
    name: "a second response right after the end",
    reply: { send: OK + EVIL },
    status: 200,
    after: "closed",
  },
  {
    name: "a second response a moment after the end (while idle)",
    reply: { send: OK, later: EVIL },
    status: 200,
    after: "replaced",
  },
  {
    name: "100 Continue and 103 Early Hints before the answer",
    reply: {
      send: `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n${OK}`,
    },
    status: 200,
    after: "reused",
  },
  {
    name: "101 without an upgrade asked for",
    reply: {
      send: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
    },
    status: 502,
    after: "closed",
  },
  {
    name: "a 2xx answer to CONNECT (a tunnel)",
    reply: { send: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" },
    status: 502,
    after: "closed",
    method: "CONNECT",
    intercepted: true,
  },
  {
    name: "a body that ends early",
    reply: { send: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", close: true },
    status: 200,
    after: "closed",
  },
  {
    name: "a malformed chunk",
    reply: { send: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n" },
    status: 200,
    after: "closed",
  },
  {
    name: "bare LF line endings",
    reply: { send: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok" },
    status: 502,
    after: "closed",
  },
  {
    name: "obs-fold",
    reply: { send: "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok" },
    status: 502,
    after: "closed",
  },
  {
    name: "a status line with extra bytes",
    reply: { send: "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok" },
    status: 502,
    after: "closed",
  },
];
