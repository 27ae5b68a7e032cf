/**
 * A sandbox that asks policy.local for answers and never reads them. Each answer the socket
 * could not take waits in the proxy's memory: before, for as long as the client kept the
 * connection open, on every connection it opened (a real hostile client with 200 connections
 * of pipelined `GET /v1/policy/current`, 0.65 MB each, took a proxy from 148 to 706 MB). Now an
 * answer not taken within the answer deadline closes its connection, and the answers waiting
 * in the proxy share one budget: past it, the oldest waiting answer's connection is closed.
 */
import assert from "node:assert/strict";
import { drainUntilQuiet, startTestProxy, startTestUpstreams } from "./support/mod.ts";

const ANSWER_BYTES = 2 * 1024 * 1024;
const REQUEST = "GET http://policy.local/v1/skill HTTP/1.1\r\nHost: policy.local\r\n\r\n";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A policy.local that answers every request with `bytes` and counts them. */
function bigAnswers(bytes: number) {
  const served = { count: 0 };
  const body = new Uint8Array(bytes).fill(0x61);
  const app = (_request: Request) => {
    served.count++;
    return Promise.resolve(new Response(body, { headers: { "content-type": "text/plain" } }));
  };
  return { app, served };
}

async function withBigAnswers(
  options: { answerBytes: number; budgetBytes?: number; timeoutMs?: number },
  body: (port: number, served: { count: number }) => Promise<void>,
) {
  const upstreams = await startTestUpstreams();
  const { app, served } = bigAnswers(options.answerBytes);
  const proxy = await startTestProxy({
    policy: "version: 1\n",
    upstreams,
    policyLocal: app,
    policyLocalAnswers: {
      policyLocalAnswerBudgetBytes: options.budgetBytes,
      policyLocalAnswerTimeoutMs: options.timeoutMs,
    },
  });
  try {
    await body(proxy.port, served);
  } finally {
    await proxy.close();
    await upstreams.close();
  }
}

Deno.test("policy.local: an answer left unread past its deadline closes the connection", async () => {
  await withBigAnswers({ answerBytes: ANSWER_BYTES, timeoutMs: 500 }, async (port, served) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode(REQUEST.repeat(20)));
    await sleep(2_500);
    // Backpressure: the next request is not read while an answer waits in the proxy.
    assert.ok(served.count < 10, `${served.count} answers made for a client that reads none`);
    const { bytes, ended } = await drainUntilQuiet(conn, 3_000);
    assert.ok(ended, "the connection stayed open with its answer unread");
    assert.ok(bytes < 20 * ANSWER_BYTES, `${bytes} bytes: every answer was kept for the client`);
  });
});

Deno.test("policy.local: answers waiting in the proxy share a budget; past it the oldest connection closes", async () => {
  // Larger than what the kernel takes of an unread answer on loopback (about 2 MiB here).
  const answerBytes = 6 * 1024 * 1024;
  await withBigAnswers({ answerBytes, budgetBytes: 8 * 1024 * 1024 }, async (port) => {
    const hostile: Deno.Conn[] = [];
    for (let i = 0; i < 8; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(new TextEncoder().encode(REQUEST));
      hostile.push(conn);
      await sleep(150);
    }
    // Another client of the same proxy that reads its answer still gets it whole.
    const reader = await Deno.connect({ hostname: "127.0.0.1", port });
    await reader.write(
      new TextEncoder().encode(REQUEST.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")),
    );
    const honest = await drainUntilQuiet(reader, 5_000);
    assert.ok(honest.ended && honest.bytes > answerBytes, JSON.stringify(honest));
    const results = await Promise.all(hostile.map((conn) => drainUntilQuiet(conn, 2_000)));
    const closed = results.filter((result) => result.ended).length;
    // Each holds 2 MiB or more in the proxy: an 8 MiB budget keeps at most three of them.
    assert.ok(closed >= 5, `${closed} of 8 unread answers' connections closed`);
  });
});
