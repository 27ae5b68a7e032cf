/** The forwarder process's standard input: its lines go in order, whenever each is known. */
import assert from "node:assert/strict";
import { LineWriter } from "./_forwarder_process.ts";

/** A writer that records what reaches it, as the forwarder's standard input would. */
function recorder(): { lines: () => string[]; writer: WritableStreamDefaultWriter<Uint8Array> } {
  const chunks: string[] = [];
  const stream = new WritableStream<Uint8Array>({
    write: (chunk) => void chunks.push(new TextDecoder().decode(chunk)),
  });
  return { lines: () => chunks.join("").split("\n").slice(0, -1), writer: stream.getWriter() };
}

Deno.test("LineWriter: a line still to come holds back the lines sent after it", async () => {
  const { lines, writer } = recorder();
  const input = new LineWriter(writer);
  const ports = Promise.withResolvers<string>();
  void input.send("secret");
  void input.send(ports.promise);
  const watch = input.send("watch 42");
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(lines(), ["secret"]);
  ports.resolve("80,443");
  await watch;
  assert.deepEqual(lines(), ["secret", "80,443", "watch 42"]);
});

Deno.test("LineWriter: a line that never comes is skipped, and those after it still go", async () => {
  const { lines, writer } = recorder();
  const input = new LineWriter(writer);
  void input.send(Promise.reject(new Error("the proxy did not start")));
  await input.send("stop");
  assert.deepEqual(lines(), ["stop"]);
});
