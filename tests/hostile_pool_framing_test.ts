/**
 * A hostile sandbox's own upstream answers with framing a proxy must not guess about. The
 * upstream connection goes back to the shared pool only after a response that was read
 * fully and unambiguously with nothing after it; whatever it sent, the next request (from
 * another client) gets its own answer. Plain forwarding and interception.
 */
import assert from "node:assert/strict";
import { rawRequest, type RawResponse, tunnelRequest, waitFor } from "./support/mod.ts";
import { OWN, ownGet, type PoolWorld, withOwnUpstream } from "./pool_fixtures.ts";
import type { Reply, ScriptedRequest, ScriptedUpstream } from "./scripted_upstream.ts";

/** After the case: the connection served the probe too, was closed, or was set aside. */
type After = "reused" | "closed" | "replaced";

interface Case {
  name: string;
  reply: Reply;
  /** The status the client gets. */
  status: number;
  after: After;
  method?: string;
  /** Only inside a tunnel (a plain-HTTP CONNECT is the proxy's own). */
  intercepted?: boolean;
}

const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
const EVIL = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil";
const CHUNKED_OK = "2\r\nok\r\n0\r\n\r\n";

const CASES: Case[] = [
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

const PROBE = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nprobe";

function script(request: ScriptedRequest): Reply {
  const index = /^\/case\/(\d+)$/.exec(request.target)?.[1];
  return index === undefined ? { send: PROBE } : CASES[Number(index)]!.reply;
}

type Send = (world: PoolWorld, method: string, path: string) => Promise<RawResponse>;

/** Read until the response is complete: at its head when it has no body (HEAD, 204, 304). */
function until(method: string): { until: (raw: string) => boolean } {
  return {
    until: (raw) => {
      const end = raw.indexOf("\r\n\r\n");
      if (end === -1) return false;
      if (method === "HEAD" || /^HTTP\/1\.1 (204|304) /.test(raw)) return true;
      if (/\r\ntransfer-encoding: chunked\r\n/i.test(raw.slice(0, end + 2))) {
        return raw.endsWith("\r\n0\r\n\r\n");
      }
      const length = /\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, end));
      return length !== null && raw.length >= end + 4 + Number(length[1]);
    },
  };
}

const MODES: [string, "plain" | "secure", Send][] = [
  ["plain", "plain", ({ proxy }, method, path) => {
    const request = ownGet(path).replace(/^GET/, method);
    return rawRequest(proxy.port, request, until(method));
  }],
  ["intercepted", "secure", ({ proxy }, method, path) => {
    const request = `${method} ${path} HTTP/1.1\r\nHost: ${OWN}\r\n\r\n`;
    return tunnelRequest(proxy.port, OWN, proxy.caPath, request, until(method));
  }],
];

for (const [mode, side, send] of MODES) {
  Deno.test(`hostile pool (${mode}): an upstream connection is pooled only after a response read whole and alone`, () =>
    withOwnUpstream(script, async (world) => {
      const upstream = world[side];
      const failures: string[] = [];
      for (const [index, c] of CASES.entries()) {
        if (c.intercepted && side === "plain") continue;
        await checkCase(world, send, upstream, index).catch((e) => failures.push(e.message));
      }
      assert.deepEqual(failures, []);
    }));
}

/** One case, then a probe from another client: the case's status, then no stray answer. */
async function checkCase(
  world: PoolWorld,
  send: Send,
  upstream: ScriptedUpstream,
  index: number,
): Promise<void> {
  const c = CASES[index]!;
  const answer = await send(world, c.method ?? "GET", `/case/${index}`);
  assert.equal(answer.status, c.status, `${c.name}: status`);
  const used = upstream.requests.at(-1)!.connection;
  if (c.after === "closed") {
    await waitFor(() => upstream.isClosed(used), `${c.name}: the connection closed`, 5_000);
  }
  // Whatever the case left behind, the bytes after it never become another answer.
  if (c.reply.later !== undefined) await new Promise((r) => setTimeout(r, 200));
  const probe = await send(world, "GET", "/probe");
  assert.equal(probe.body, "probe", `${c.name}: the next request got ${JSON.stringify(probe.raw)}`);
  const next = upstream.requests.at(-1)!.connection;
  assert.equal(next === used, c.after === "reused", `${c.name}: connection reused`);
}
