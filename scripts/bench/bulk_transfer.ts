/**
 * One bulk transfer (`--scale` rows): a 256 MB download or upload over a TLS stream, timed,
 * with the proxy's CPU time and peak RSS growth around it, and a failure that says how far it
 * got and what the peer logged.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { Duplex } from "node:stream";
import { readRssMb } from "./tollgate_proxy.ts";
import { cpuSeconds } from "./process_figures.ts";
import { BULK_PATH } from "./upstream_servers.ts";

/**
 * Bytes per transfer: 256 MB, not the 1 GB. On this shared 2-CPU VM a gigabyte through
 * each of ten rows, three times, would take longer than the rest of the benchmark; the
 * figures are per GB and per second, so the size only bounds how steady they are.
 */
export const BULK_BYTES = 256 * 1024 * 1024;
const PIECE = Buffer.alloc(256 * 1024, "u");

/** Which way the bytes go. */
export type Direction = "download" | "upload";

/** How to open a TLS stream to the upstream, whose CPU to count, and the peer's access log. */
export interface BulkTarget {
  /** Open a stream to the upstream (through the proxy, TLS started). */
  open: () => Promise<Duplex>;
  /** The proxy process whose CPU time and RSS are counted; none for direct. */
  pid?: number;
  /** The peer's access log, whose last line a failure quotes. */
  accessLog?: string;
}

/** One transfer's figures. */
export interface Transfer {
  /** Megabytes (10^6) a second, from the first byte sent to the last byte of the response. */
  mbPerSec: number;
  /** The proxy's CPU seconds (user + system) per GB moved. */
  cpuSecPerGb: number;
  /** The proxy's peak VmRSS during the transfer less its VmRSS before it, in MB. */
  rssGrowthMb: number;
}

/**
 * One transfer of `bytes` ({@linkcode BULK_BYTES} unless said), timed, with the proxy's CPU time and peak RSS growth
 * around it. A transfer that breaks throws one line: how far it got, why, and the last result
 * code the peer logged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as net from "node:net";
 * import { transfer } from "./bulk_transfer.ts";
 *
 * // A server that hangs up at once: the upload breaks before its first byte arrives.
 * const server = net.createServer((socket) => socket.destroy()).listen(0, "127.0.0.1");
 * await new Promise((resolve) => server.once("listening", resolve));
 * const port = (server.address() as net.AddressInfo).port;
 * const open = () => {
 *   const socket = net.connect(port, "127.0.0.1");
 *   return new Promise<net.Socket>((resolve) => socket.once("connect", () => resolve(socket)));
 * };
 * await assert.rejects(transfer({ open }, "upload", "a.test"), /^Error: upload broke after/);
 * await new Promise((resolve) => server.close(resolve));
 * ```
 */
export async function transfer(
  target: BulkTarget,
  direction: Direction,
  host: string,
  bytes: number = BULK_BYTES,
): Promise<Transfer> {
  const socket = await target.open();
  const moved = { bytes: 0 };
  try {
    return await measureTransfer(
      target.pid,
      bytes,
      () =>
        direction === "download"
          ? download(socket, { host, bytes }, moved)
          : upload(socket, { host, bytes }, moved),
    );
  } catch (error) {
    throw new Error(await brokeMessage(target, { direction, bytes }, moved.bytes, error));
  } finally {
    socket.destroy();
  }
}

/**
 * Time `run` (which moves `bytes`) with the CPU time and the peak RSS growth of process `pid`
 * around it (none for a direct transfer): the figures of every bulk row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measureTransfer } from "./bulk_transfer.ts";
 *
 * const t = await measureTransfer(Deno.pid, 1e6, () => new Promise((r) => setTimeout(r, 10)));
 * assert.ok(t.mbPerSec > 0 && t.mbPerSec < 1000);
 * ```
 */
export async function measureTransfer(
  pid: number | undefined,
  bytes: number,
  run: () => Promise<void>,
): Promise<Transfer> {
  const cpu0 = pid === undefined ? 0 : await cpuSeconds(pid);
  const rss0 = pid === undefined ? 0 : await readRssMb(pid);
  let peak = rss0;
  const timer = pid === undefined ? undefined : setInterval(() => {
    readRssMb(pid).then((mb) => peak = Math.max(peak, mb), () => {});
  }, 50);
  const t0 = performance.now();
  try {
    await run();
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = pid === undefined ? 0 : await cpuSeconds(pid) - cpu0;
  if (pid !== undefined) peak = Math.max(peak, await readRssMb(pid));
  const gb = bytes / 1e9;
  return { mbPerSec: bytes / 1e6 / seconds, cpuSecPerGb: cpu / gb, rssGrowthMb: peak - rss0 };
}

/**
 * How far a broken transfer of `bytes` got (`moved`), why, and what the peer logged for it
 * (the result code of the last line of Squid's access.log), in one line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { brokeMessage } from "./bulk_transfer.ts";
 *
 * const why = await brokeMessage({}, { direction: "upload", bytes: 4 << 20 }, 1 << 20, new Error("reset"));
 * assert.equal(why, "upload broke after 1 of 4 MB: reset");
 * ```
 */
export async function brokeMessage(
  target: { accessLog?: string },
  { direction, bytes: size }: { direction: Direction; bytes: number },
  moved: number,
  error: unknown,
): Promise<string> {
  const mb = (n: number) => Math.round(n / 1024 / 1024);
  const why = error instanceof Error ? error.message : String(error);
  const lines = target.accessLog
    ? (await Deno.readTextFile(target.accessLog).catch(() => "")).trim().split("\n")
    : [];
  // Squid's native log line: time, elapsed, client, result code/status, bytes, method, URL.
  const code = lines.at(-1)?.trim().split(/\s+/)[3];
  const logged = code ? `; the peer logged ${code}` : "";
  return `${direction} broke after ${mb(moved)} of ${mb(size)} MB: ${why}${logged}`;
}

type Request = { host: string; bytes: number };

function download(socket: Duplex, { host, bytes }: Request, moved: { bytes: number }) {
  socket.write(`GET ${BULK_PATH}${bytes} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  return untilResponse(socket, bytes, moved);
}

async function upload(socket: Duplex, { host, bytes }: Request, moved: { bytes: number }) {
  const done = untilResponse(socket, 0, { bytes: 0 });
  // A refusal may come while the body is still going out: it is awaited below.
  done.catch(() => {});
  // Typed as an upload tool types it (git, npm, pip, curl -T): a POST with no type is a form to
  // Rack, so the proxy scans such a body for `_method` (form_method_scan.ts), as it would here.
  socket.write(
    `POST /upload HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/octet-stream\r\n` +
      `Content-Length: ${bytes}\r\n\r\n`,
  );
  for (let left = bytes; left > 0;) {
    const piece = left >= PIECE.length ? PIECE : PIECE.subarray(0, left);
    left -= piece.length;
    moved.bytes += piece.length;
    if (!socket.write(piece)) {
      await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), done]);
    }
  }
  await done;
}

/** Resolves once a 200 head and at least `body` bytes after it have arrived. */
function untilResponse(socket: Duplex, body: number, moved: { bytes: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    let head = "";
    let received = -1;
    socket.on("data", (chunk: Buffer) => {
      if (received < 0) {
        head += chunk.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end === -1) return;
        if (!head.startsWith("HTTP/1.1 200")) reject(new Error(head.split("\r\n")[0]));
        received = head.length - end - 4;
      } else received += chunk.length;
      moved.bytes = Math.max(0, received);
      if (received >= body) resolve();
    });
    socket.once("close", () => reject(new Error("Connection closed mid-transfer")));
    socket.once("error", reject);
  });
}
