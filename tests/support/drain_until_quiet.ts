/**
 * Reading a connection a hostile client fills and leaves: the tests of the proxy's and the
 * gateway's bounds on answers nobody reads.
 *
 * @module
 */

/** What {@linkcode drainUntilQuiet} read. */
export interface Drained {
  /** Bytes read in all. */
  bytes: number;
  /** Whether the peer ended the connection (rather than going quiet). */
  ended: boolean;
  /** The last 16 characters read (a chunked body's end shows there). */
  tail: string;
}

/** How {@linkcode drainUntilQuiet} reads. */
export interface DrainOptions {
  /** Bytes a read may take at once (256 KiB). */
  bufferBytes?: number;
  /** Stop as soon as what was read ends with this (at most 16 characters), as the peer signals. */
  endsWith?: string;
}

/**
 * Read `conn` until the peer ends it, what was read ends with `options.endsWith`, or it stays
 * quiet for `quietMs`, then close it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { drainUntilQuiet } from "./mod.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const peer = await listener.accept();
 * await peer.write(new TextEncoder().encode("hello"));
 * peer.close();
 * assert.deepEqual(await drainUntilQuiet(conn, 2_000), { bytes: 5, ended: true, tail: "hello" });
 * listener.close();
 * ```
 */
export async function drainUntilQuiet(
  conn: Deno.Conn,
  quietMs: number,
  options: DrainOptions = {},
): Promise<Drained> {
  const { bufferBytes = 256 * 1024, endsWith } = options;
  const buffer = new Uint8Array(bufferBytes);
  let bytes = 0;
  let tail = "";
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const quiet = new Promise<"quiet">((resolve) => timer = setTimeout(resolve, quietMs, "quiet"));
    const read = conn.read(buffer).catch(() => null);
    const n = await Promise.race([read, quiet]);
    clearTimeout(timer);
    if (n === "quiet" || n === null) {
      conn.close();
      if (n === "quiet") await read;
      return { bytes, ended: n === null, tail };
    }
    bytes += n;
    tail = (tail + new TextDecoder().decode(buffer.subarray(Math.max(0, n - 16), n))).slice(-16);
    // The peer said it is done (a chunked answer's last chunk): no need to wait for quiet.
    if (endsWith !== undefined && tail.endsWith(endsWith)) {
      conn.close();
      return { bytes, ended: false, tail };
    }
  }
}
