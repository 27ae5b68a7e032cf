/**
 * Read a request body with a size cap and a deadline, so a client cannot hold the proxy
 * with a huge or never-ending body (slowloris on the body).
 *
 * @module
 */

import { PolicyLocalError } from "./_errors.ts";

/** Limits of one body read. */
export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}

/**
 * The whole body as bytes; throws 413 `payload_too_large` past `maxBytes` (from
 * Content-Length or while streaming) and 408 `request_timeout` when the deadline passes.
 */
export async function readBody(request: Request, limits: BodyLimits): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    await request.body?.cancel().catch(() => {});
    throw tooLarge(limits.maxBytes);
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), limits.timeoutMs);
  });
  try {
    return await collect(reader, deadline, limits.maxBytes);
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}

async function collect(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  deadline: Promise<"timeout">,
  maxBytes: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const next = await Promise.race([reader.read(), deadline]);
    if (next === "timeout") {
      await reader.cancel().catch(() => {});
      throw new PolicyLocalError(
        408,
        "request_timeout",
        "The request body did not arrive in time; send it in one go",
      );
    }
    if (next.done) break;
    size += next.value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(next.value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

function tooLarge(maxBytes: number): PolicyLocalError {
  return new PolicyLocalError(
    413,
    "payload_too_large",
    `The request body exceeds ${maxBytes} bytes; propose fewer or smaller rules`,
  );
}
