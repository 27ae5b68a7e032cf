/**
 * Lines of a file read backwards in chunks, newest first, so that the cost of reading the
 * end of a big file follows the lines taken, not the file's size.
 *
 * @module
 */

const CHUNK_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * The lines of the last `maxBytes` of a file, last line first. Lines longer than 1 MiB are
 * skipped; a missing file has no lines.
 */
export async function* linesFromEnd(path: string, maxBytes: number): AsyncGenerator<string> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    // Deleted by retention between listing and reading.
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  try {
    const decoder = new TextDecoder();
    let pos = (await file.stat()).size;
    const floor = Math.max(0, pos - maxBytes);
    let carry = new Uint8Array(0);
    let oversized = false;
    while (pos > floor) {
      const start = Math.max(floor, pos - CHUNK_BYTES);
      const chunk = concat(await readAt(file, start, pos - start), carry);
      pos = start;
      let end = chunk.length;
      for (let i = chunk.length - 1; i >= 0; i--) {
        if (chunk[i] !== 0x0a) continue;
        if (!oversized && end > i + 1) yield decoder.decode(chunk.subarray(i + 1, end));
        oversized = false;
        end = i;
      }
      carry = chunk.slice(0, end);
      if (carry.length > MAX_LINE_BYTES) {
        // Drop the bytes of an absurdly long line and skip it when its start is found.
        carry = new Uint8Array(0);
        oversized = true;
      }
    }
    if (pos === 0 && !oversized && carry.length > 0) yield decoder.decode(carry);
  } finally {
    file.close();
  }
}

async function readAt(file: Deno.FsFile, start: number, length: number): Promise<Uint8Array> {
  await file.seek(start, Deno.SeekMode.Start);
  const buf = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const n = await file.read(buf.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return buf.subarray(0, filled);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
