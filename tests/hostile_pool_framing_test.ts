/**
 * A hostile sandbox's own upstream answers with framing a proxy must not guess about. The
 * upstream connection goes back to the shared pool only after a response that was read
 * fully and unambiguously with nothing after it; whatever it sent, the next request (from
 * another client) gets its own answer. Plain forwarding and interception.
 */
import assert from "node:assert/strict";
import {
  type H2ClientRequest,
  type H2ClientResponse,
  nodeH2Requests,
  rawRequest,
  type RawResponse,
  tunnelRequest,
  waitFor,
} from "./support/mod.ts";
import { OWN, ownGet, type PoolWorld, withOwnUpstream } from "./pool_fixtures.ts";
import { CASES } from "./pool_framing_cases.ts";
import type { Reply, ScriptedRequest, ScriptedUpstream } from "./scripted_upstream.ts";

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
  if (c.head) assert.match(answer.head, c.head, c.name);
  const used = upstream.requests.at(-1)!.connection;
  if (c.after === "closed") {
    await waitFor(() => upstream.isClosed(used), `${c.name}: the connection closed`, 5_000);
  }
  // Bytes the upstream sends a moment after its answer must come while the connection is idle,
  // which the proxy shows by closing it; a probe sent sooner would race them (and bytes that
  // come after a request was written answer it, for any client of any proxy).
  if (c.reply.later !== undefined) await idleBytesSeen(upstream, used, c.name);
  const probe = await send(world, "GET", "/probe");
  assert.equal(probe.body, "probe", `${c.name}: the next request got ${JSON.stringify(probe.raw)}`);
  const next = upstream.requests.at(-1)!.connection;
  assert.equal(next === used, c.after === "reused", `${c.name}: connection reused`);
}

Deno.test("hostile pool (HTTP/2 client, HTTP/1.1 origin): the same answers, each followed by its own probe", () =>
  withOwnUpstream(script, async ({ proxy, secure }) => {
    const cases = [...CASES.entries()].filter(([, c]) => !c.intercepted);
    const responses: H2ClientResponse[] = [];
    let batch: H2ClientRequest[] = [];
    // One session per stretch: a case whose upstream speaks again later ends one, so that its
    // probe waits until those bytes came (see checkCase()).
    const send = async () => {
      const result = await nodeH2Requests(proxy.port, OWN, proxy.caPath, batch);
      assert.equal(result.alpn, "h2", result.stderr);
      responses.push(...result.responses);
      batch = [];
    };
    for (const [index, c] of cases) {
      batch.push({ method: c.method ?? "GET", path: `/case/${index}` });
      if (c.reply.later !== undefined) {
        await send();
        await idleBytesSeen(secure, secure.requests.at(-1)!.connection, c.name);
      }
      batch.push({ method: "GET", path: "/probe" });
    }
    await send();
    const seen = cases.map(([, c], i) => {
      const [answer, probe] = [responses[2 * i], responses[2 * i + 1]];
      return `${c.name}: ${answer?.status} then ${probe?.body}`;
    });
    assert.deepEqual(seen, cases.map(([, c]) => `${c.name}: ${c.status} then probe`));
    // One length, never the list it came as (a list is a protocol error for an HTTP/2 client).
    const listed = cases.findIndex(([, c]) => c.head !== undefined);
    assert.equal(responses[2 * listed]?.headers["content-length"], "2");
  }));

/** Wait until the proxy closed `connection`, idle in its pool when the upstream spoke again. */
function idleBytesSeen(
  upstream: ScriptedUpstream,
  connection: number,
  name: string,
): Promise<void> {
  return waitFor(() => upstream.isClosed(connection), `${name}: the idle connection closed`, 5_000);
}
