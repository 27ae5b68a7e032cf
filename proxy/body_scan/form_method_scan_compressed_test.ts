import assert from "node:assert/strict";
import zlib from "node:zlib";
import { type BodyScanner, formMethodScanner, type InflateOptions } from "./form_method_scan.ts";
import { InflateWorker } from "./inflate_worker.ts";

const encoder = new TextEncoder();

Deno.test("formMethodScanner() reads a compressed form or JSON body inflated, cut anywhere", async (t) => {
  await t.step("on this thread", () => compressedCases());
  using worker = new InflateWorker();
  await t.step(
    "on the proxy's inflate worker",
    () => compressedCases({ inflate: (job) => worker.scan(job) }),
  );
});

async function compressedCases(inflating?: InflateOptions) {
  const scanner = (coding: string, type = "application/x-www-form-urlencoded") =>
    formMethodScanner("POST", [["Content-Type", type], ["Content-Encoding", coding]], inflating)!;
  const gzip = zlib.gzipSync(encoder.encode("a=1&_method=DELETE"));
  for (let cut = 0; cut <= gzip.byteLength; cut++) {
    const found = await scanWhole(scanner("gzip"), gzip, [cut]);
    assert.deepEqual(found, ["DELETE"], `cut at ${cut}`);
  }
  const json = encoder.encode('{"_method": "PUT"}');
  assert.deepEqual(
    await scanWhole(scanner("deflate", "application/json"), zlib.deflateSync(json)),
    [
      "PUT",
    ],
  );
  const raw = zlib.deflateRawSync(json);
  assert.deepEqual(await scanWhole(scanner("Deflate", "application/json"), raw), ["PUT"]);
  assert.deepEqual(
    await scanWhole(scanner("br"), zlib.brotliCompressSync(encoder.encode("_method=PUT"))),
    [
      "PUT",
    ],
  );
  assert.deepEqual(await scanWhole(scanner("identity"), encoder.encode("_method=PUT")), ["PUT"]);
  for (const coding of ["zstd", "gzip, br", "compress"]) {
    assert.match(
      String(await scanWhole(scanner(coding), gzip)),
      /is not read: send it uncompressed/,
    );
  }
  assert.match(
    String(await scanWhole(scanner("gzip"), encoder.encode("junk"))),
    /does not inflate/,
  );
  // About 1,000 times its size: refused at 256 times; a larger one at 8 MiB.
  const bomb = zlib.gzipSync(new Uint8Array(16 * 1024 * 1024));
  assert.match(String(await scanWhole(scanner("gzip"), bomb)), /inflates past 256 times its size/);
  const huge = zlib.gzipSync(new Uint8Array(64 * 1024 * 1024));
  assert.match(String(await scanWhole(scanner("gzip"), huge)), /inflates past 8 MiB/);
  const big = crypto.getRandomValues(new Uint8Array(65536));
  const over = scanner("gzip");
  for (let i = 0; i < 16; i++) assert.deepEqual(over.push(big), []);
  assert.match(String(over.push(big)), /over 1 MiB is not read/);
  // A multipart body is read as sent, as multer and Rack read it.
  const parts = formMethodScanner("POST", [
    ["Content-Type", "multipart/form-data; boundary=b"],
    ["Content-Encoding", "gzip"],
  ])!;
  const body = '--b\r\nContent-Disposition: form-data; name="_method"\r\n\r\nPUT\r\n--b--';
  assert.deepEqual(await scanWhole(parts, encoder.encode(body)), ["PUT"]);
}

/** `scan()` for bytes. */
async function scanWhole(scanner: BodyScanner, bytes: Uint8Array, cuts: number[] = []) {
  const found: string[] = [];
  let from = 0;
  for (const to of [...cuts, bytes.byteLength]) {
    const result = scanner.push(bytes.subarray(from, to));
    if (typeof result === "string") return result;
    found.push(...result);
    from = to;
  }
  const ended = await scanner.end();
  return typeof ended === "string" ? ended : [...found, ...ended];
}
