/**
 * The shared upstream pool under churn and misuse: a kept-alive connection that the upstream
 * drops is retried only for an idempotent request (a POST is never sent twice), one it closed
 * or reset while idle is never used again, a request
 * whose client leaves halfway closes its upstream connection at once, and a connection that
 * carried connection-bound authentication (NTLM, Negotiate) is never handed to anyone else.
 */
import assert from "node:assert/strict";
import { nodeH2Requests, rawRequest, waitFor } from "./support/mod.ts";
import { OWN, ownGet, withOwnUpstream } from "./pool_fixtures.ts";
import type { Reply, ScriptedRequest } from "./scripted_upstream.ts";

const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/** An upstream that serves one request per connection, then drops it at the next request. */
function oneEach(): (request: ScriptedRequest) => Reply {
  const served = new Map<number, number>();
  return ({ connection }) => {
    const count = (served.get(connection) ?? 0) + 1;
    served.set(connection, count);
    return count === 1 ? { send: OK } : { close: true };
  };
}

function post(path: string, fields: string, body = ""): string {
  return `POST http://${OWN}${path} HTTP/1.1\r\nHost: ${OWN}\r\n${fields}\r\n${body}`;
}

Deno.test("hostile pool: a dropped kept-alive connection is retried for a GET, never for a POST", () =>
  withOwnUpstream(oneEach(), async ({ proxy, plain }) => {
    const sent = (target: string) => plain.requests.filter((r) => r.target === target).length;
    assert.equal((await rawRequest(proxy.port, ownGet("/warm"))).status, 200);
    // Idempotent: the upstream dropped the pooled connection, a new one answers.
    assert.equal((await rawRequest(proxy.port, ownGet("/again"))).status, 200);
    assert.equal(sent("/again"), 2);
    // Not idempotent: the upstream may have acted on it before it closed.
    const chunked = post("/orders", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n");
    assert.equal((await rawRequest(proxy.port, chunked)).status, 502);
    assert.equal(sent("/orders"), 1);
    assert.equal((await rawRequest(proxy.port, ownGet("/warm"))).status, 200);
    const empty = post("/jobs/run", "Content-Length: 0\r\n");
    assert.equal((await rawRequest(proxy.port, empty)).status, 502);
    assert.equal(sent("/jobs/run"), 1);
  }));

Deno.test("hostile pool: an HTTP/2 client's dropped HTTP/1.1 connection is retried for a GET, never for a POST", () =>
  withOwnUpstream(oneEach(), async ({ proxy, secure }) => {
    const result = await nodeH2Requests(proxy.port, OWN, proxy.caPath, [
      { method: "GET", path: "/warm" },
      { method: "GET", path: "/again" },
      { method: "POST", path: "/orders", body: "hello" },
    ]);
    assert.equal(result.alpn, "h2", result.stderr);
    assert.deepEqual(result.responses.map((r) => r.status), [200, 200, 502]);
    const sent = (target: string) => secure.requests.filter((r) => r.target === target).length;
    assert.deepEqual([sent("/again"), sent("/orders")], [2, 1]);
  }));

Deno.test("hostile pool: an idle connection the upstream closes or resets is set aside; a POST after it goes out once", () =>
  withOwnUpstream((r) => {
    if (r.target === "/warm-fin") return { send: OK, later: "", close: true };
    if (r.target === "/warm-rst") return { send: OK, later: "", close: true, reset: true };
    return { send: OK };
  }, async ({ proxy, plain }) => {
    for (const path of ["/warm-fin", "/warm-rst"]) {
      assert.equal((await rawRequest(proxy.port, ownGet(path))).status, 200);
      const idle = plain.requests.at(-1)!.connection;
      await waitFor(() => plain.isClosed(idle), `${path}: the upstream's close`);
      const answer = await rawRequest(
        proxy.port,
        post("/orders", "Content-Length: 5\r\n", "hello"),
      );
      assert.equal(answer.status, 200, path);
      assert.notEqual(plain.requests.at(-1)!.connection, idle);
    }
    assert.equal(plain.requests.filter((r) => r.target === "/orders").length, 2);
  }));

Deno.test("hostile pool: an idle connection its upstream writes to is closed at once, not kept with the bytes", () =>
  withOwnUpstream((r) => {
    // A megabyte nobody asked for, a moment after the answer: memory held per idle connection.
    if (r.target === "/flood") return { send: OK, later: "x".repeat(1 << 20) };
    return { send: OK };
  }, async ({ proxy, plain }) => {
    assert.equal((await rawRequest(proxy.port, ownGet("/flood"))).body, "ok");
    // Not at the pool's idle limit (30 s), nor at the next request.
    await waitFor(() => plain.isClosed(0), "the idle connection to close", 5_000);
    assert.equal((await rawRequest(proxy.port, ownGet("/after"))).body, "ok");
  }));

Deno.test("hostile pool: a client that leaves halfway through its request body closes the upstream connection", () =>
  withOwnUpstream(() => ({ send: OK }), async ({ proxy, plain }) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    const head = post("/upload", "Content-Length: 100000\r\n", "0123456789");
    await conn.write(new TextEncoder().encode(head));
    await waitFor(() => plain.connections() === 1, "the upstream connection");
    conn.close();
    // Not at the upstream's answer timeout (a minute): the request can never be completed.
    await waitFor(() => plain.isClosed(0), "the upstream connection to close", 5_000);
    assert.equal(plain.requests.length, 0);
  }));

const NTLM_CHALLENGE = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: NTLM TlRMTVNTUAACAAAA\r\n" +
  "Content-Length: 0\r\n\r\n";

Deno.test("hostile pool: a connection that carried NTLM or Negotiate serves only the client that authenticated", () =>
  withOwnUpstream(
    (r) => ({ send: r.target === "/login" ? NTLM_CHALLENGE : OK }),
    async ({ proxy, plain }) => {
      const last = () => plain.requests.at(-1)!.connection;
      const openings: [string, string][] = [
        ["/private", "Authorization: NTLM TlRMTVNTUAADAAAA\r\n"],
        ["/private", "Authorization: Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag\r\n"],
        ["/login", ""], // the origin's NTLM challenge: the handshake has begun
      ];
      for (const [path, fields] of openings) {
        const client = await keptAlive(proxy.port);
        assert.match(await client.send(ownGet(path, fields)), /^HTTP\/1\.1 (200|401) /);
        const bound = last();
        // Another client (another sandbox, another binary) never inherits that identity...
        assert.equal((await rawRequest(proxy.port, ownGet("/public"))).body, "ok");
        assert.notEqual(last(), bound, `${fields || path}: lent to another client`);
        // ...while the one that authenticated goes on over it, with or without a credential.
        await client.send(ownGet("/private", "Authorization: NTLM TlRMTVNTUAADAAAA\r\n"));
        await client.send(ownGet("/more"));
        const both = plain.requests.slice(-2).map((r) => r.connection);
        assert.deepEqual(both, [bound, bound], `${fields || path}: the handshake's connection`);
        client.close();
        await waitFor(() => plain.isClosed(bound), "the authenticated connection to close", 5_000);
      }
    },
  ));

/** A client connection that carries one request after another. */
async function keptAlive(
  port: number,
): Promise<{ send(request: string): Promise<string>; close(): void }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const buffer = new Uint8Array(64 * 1024);
  let raw = "";
  const complete = () => {
    const end = raw.indexOf("\r\n\r\n");
    if (end === -1) return undefined;
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, end))?.[1] ?? 0);
    return raw.length >= end + 4 + length ? end + 4 + length : undefined;
  };
  return {
    async send(request) {
      await conn.write(new TextEncoder().encode(request));
      for (let end = complete();; end = complete()) {
        if (end !== undefined) {
          const answer = raw.slice(0, end);
          raw = raw.slice(end);
          return answer;
        }
        const n = await conn.read(buffer);
        if (n === null) throw new Error("The proxy closed the connection");
        raw += new TextDecoder().decode(buffer.subarray(0, n));
      }
    },
    close: () => conn.close(),
  };
}
