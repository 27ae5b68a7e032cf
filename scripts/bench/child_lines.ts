/**
 * Line-by-line reading of a child's stdout: wait for the next line with a deadline, and keep
 * draining so that a chatty child never blocks on a full pipe.
 *
 * @module
 */

/**
 * Reads lines from a byte stream in the background.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChildLines } from "./child_lines.ts";
 *
 * const child = new Deno.Command("printf", { args: ["ready\\nbye\\n"], stdout: "piped" }).spawn();
 * const lines = new ChildLines(child.stdout);
 * assert.equal(await lines.next(10_000), "ready");
 * assert.equal(await lines.next(10_000), "bye");
 * await lines.done;
 * await child.status;
 * ```
 */
export class ChildLines {
  #queue: string[] = [];
  #waiters: ((line: string | undefined) => void)[] = [];
  #ended = false;
  #listener: ((line: string) => void) | undefined;
  /** Resolves when the stream has ended. */
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = this.#pump(stream);
  }

  /** The next line, or undefined when the stream ended; rejects after `timeoutMs`. */
  next(timeoutMs: number): Promise<string | undefined> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const state: { settled: boolean; timer?: ReturnType<typeof setTimeout> } = {
        settled: false,
      };
      const waiter = (line: string | undefined) => {
        state.settled = true;
        clearTimeout(state.timer);
        resolve(line);
      };
      // Register before arming the timer: creating a timer may run pending stream callbacks
      // (seen under `deno test`), and a line they push must find this waiter.
      this.#waiters.push(waiter);
      state.timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`No line from the child in ${timeoutMs} ms`));
      }, timeoutMs);
      if (state.settled) clearTimeout(state.timer);
    });
  }

  /** From now on, hand every line (queued ones first) to `listener` instead of `next()`. */
  listen(listener: (line: string) => void): void {
    this.#listener = listener;
    for (const line of this.#queue.splice(0)) listener(line);
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    let rest = "";
    try {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop() ?? "";
        for (const line of parts) this.#push(line);
      }
    } catch {
      // The child went away: treat as the end of its output.
    }
    if (rest) this.#push(rest);
    this.#ended = true;
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }

  #push(line: string): void {
    if (this.#listener) return this.#listener(line);
    const waiter = this.#waiters.shift();
    if (waiter) waiter(line);
    else this.#queue.push(line);
  }
}
