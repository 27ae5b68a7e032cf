/**
 * Byte copying for the forwarder: both directions of a bridged connection, with the
 * half-close passed on and without resetting a peer that still has unread data.
 *
 * @module
 */

const COPY_BUFFER = 64 * 1024;
/** How long a client may take to close after the proxy has closed its side. */
const LINGER_MS = 5_000;

/** Something bytes can be written to until all are taken. */
export interface Writable {
  write(p: Uint8Array): Promise<number>;
}

/**
 * Copy `from` to `to` until `from` ends, then pass the half-close on. A failed write (the
 * other side is gone) does not stop the reading: what `from` still sends is read and dropped,
 * so `from` is never reset with unread data. Never rejects.
 */
export async function pump(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(COPY_BUFFER);
  let writable = true;
  try {
    for (let n = await from.read(buffer); n !== null; n = await from.read(buffer)) {
      if (writable) {
        writable = await writeAll(to, buffer.subarray(0, n)).then(() => true, () => false);
      }
    }
  } catch {
    // A reset ends this direction.
  }
  await to.closeWrite().catch(() => {});
}

/** Wait for `work`, but no longer than the linger time. */
export async function withinLinger(work: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<void>((resolve) => timer = setTimeout(resolve, LINGER_MS));
  await Promise.race([work, limit]);
  clearTimeout(timer);
}

/** Write every byte of `bytes`. */
export async function writeAll(to: Writable, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length;) offset += await to.write(bytes.subarray(offset));
}

/** Close, ignoring a connection that is already closed. */
export function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
