/**
 * Compressed form and JSON bodies are inflated and scanned on the proxy's inflate worker, not
 * on its event loop: a 14-byte br body costs the decoder about 10 ms before it yields a byte,
 * and a sandbox sending such bodies held every other client of the proxy for as long. These
 * cases show the proxy's bodies go through that worker (a stand-in answers them), that a body whose worker fails is refused and never reaches the origin, and that the next
 * body gets a fresh worker; and that the compressed copy each such body keeps (up to 1 MiB, on
 * up to 512 connections) counts in the proxy's body budget.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import zlib from "node:zlib";
import {
  curl,
  startTestProxy,
  startTestUpstreams,
  waitFor,
  withTestProxy,
  writeAll,
} from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  items:
    endpoints:
      - host: plain.example.com
        port: 80
        protocol: rest
        rules:
          - allow: { method: POST, path: "/items/**" }
`;

/** POST `body` (gzip) as a form through `proxyPort`; the status and the deny body's detail. */
async function postGzip(proxyPort: number, dir: string, form: string) {
  const file = join(dir, `${crypto.randomUUID()}.gz`);
  await Deno.writeFile(file, zlib.gzipSync(new TextEncoder().encode(form)));
  const args = [
    "-H",
    "Content-Type: application/x-www-form-urlencoded",
    "-H",
    "Content-Encoding: gzip",
    "--data-binary",
    `@${file}`,
  ];
  const result = await curl(["http://plain.example.com/items/1"], { proxyPort, args });
  const detail = result.status === 200 ? "" : JSON.parse(result.body).detail;
  return { status: result.status, detail };
}

Deno.test("proxy compressed bodies: compressed bodies are read on the worker; a failed one is refused, never forwarded", async () => {
  const upstreams = await startTestUpstreams();
  const dir = await Deno.makeTempDir({ prefix: "tollgate-inflate-" });
  // A stand-in that answers as the real worker would for a body without `_method`, and throws
  // on a body over 40 bytes (so one proxy shows both paths).
  const module = join(dir, "standin.ts");
  await Deno.writeTextFile(
    module,
    `self.onmessage = ({ data }) => {` +
      ` if (data.job.body.byteLength > 40) throw new Error("failed on purpose by ` +
      `proxy_compressed_bodies_test.ts"); self.postMessage({ id: data.id, result: [] }); ` +
      `};`,
  );
  const inflateWorker = { url: pathToFileURL(module) };
  const proxy = await startTestProxy({ policy: POLICY, upstreams, inflateWorker });
  try {
    assert.deepEqual(await postGzip(proxy.port, dir, "a=1"), { status: 200, detail: "" });
    assert.equal(upstreams.requests.length, 1);
    // Random text does not compress: its body is over 40 bytes.
    const long = Array.from({ length: 8 }, () => crypto.randomUUID()).join("");
    const failed = await postGzip(proxy.port, dir, `a=${long}&_method=PUT`);
    assert.equal(failed.status, 400);
    assert.match(failed.detail, /could not be read: send it uncompressed/);
    assert.equal(upstreams.requests.length, 1, "a body its worker failed on reached the origin");
    // The failed worker was dropped: the next body starts a fresh one, and passes.
    assert.deepEqual(await postGzip(proxy.port, dir, "b=2"), { status: 200, detail: "" });
    assert.equal(upstreams.requests.length, 2);
  } finally {
    await proxy.close();
    await upstreams.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("proxy compressed bodies: a compressed _method is found on the worker and decided", async () => {
  const upstreams = await startTestUpstreams();
  const dir = await Deno.makeTempDir({ prefix: "tollgate-inflate-" });
  const proxy = await startTestProxy({ policy: POLICY, upstreams });
  try {
    const denied = await postGzip(proxy.port, dir, "a=1&_method=DELETE");
    assert.equal(denied.status, 403);
    assert.deepEqual(await postGzip(proxy.port, dir, "a=1&_method=post"), {
      status: 200,
      detail: "",
    });
    assert.equal(upstreams.requests.length, 1);
  } finally {
    await proxy.close();
    await upstreams.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("proxy compressed bodies: the copies kept of unfinished compressed bodies count in the body budget; past it, 503", async () => {
  const MIB = 1024 * 1024;
  const bodyBudget = { bodyBudgetBytes: 4 * MIB, bodyBudgetWaitMs: 1_000 };
  await withTestProxy({ policy: POLICY, bodyBudget }, async (proxy, upstreams) => {
    const budget = () => proxy.proxy.bodyBudget;
    const head = (n: number) =>
      `POST http://plain.example.com/items/${n} HTTP/1.1\r\nHost: plain.example.com\r\n` +
      "Content-Type: application/x-www-form-urlencoded\r\nContent-Encoding: gzip\r\n" +
      `Content-Length: ${MIB}\r\n\r\n`;
    // Six bodies one byte short of 1 MiB each, never finished: the proxy keeps each one whole.
    const conns = await Promise.all(
      Array.from({ length: 6 }, () => Deno.connect({ hostname: "127.0.0.1", port: proxy.port })),
    );
    const said: string[] = [];
    const answers = conns.map(async (conn, n) => {
      await writeAll(conn, new TextEncoder().encode(head(n)));
      await writeAll(conn, new Uint8Array(MIB - 1).fill(0x61)).catch(() => {});
      const buffer = new Uint8Array(4096);
      const read = await conn.read(buffer).catch(() => null);
      said.push(read === null ? "" : new TextDecoder().decode(buffer.subarray(0, read)));
    });
    // Six copies do not fit in 4 MiB: bodies are refused (a refused one gives its bytes back
    // when its exchange ends) until the rest fit, each held whole.
    const settled = () => said.length >= 2 && budget().held === (6 - said.length) * (MIB - 1);
    await waitFor(settled, "the bodies that fit held, the others refused");
    const tooMany = said.filter((text) => text.startsWith("HTTP/1.1 503 "));
    assert.equal(tooMany.length, said.length, `answers: ${said.map((t) => t.split("\r\n")[0])}`);
    assert.match(tooMany[0]!, /too_many_bodies/);
    for (const conn of conns) conn.close();
    await Promise.all(answers);
    await waitFor(() => budget().held === 0, "the budget given back");
    assert.equal(upstreams.requests.length, 0);
  });
});
