import assert from "node:assert/strict";
import { ResilientListener } from "./resilient_listener.ts";

Deno.test("ResilientListener keeps its own probes to itself and hands on every client", async () => {
  const clients: string[] = [];
  let descriptorChecks = 0;
  const listener = await ResilientListener.open({
    hostname: "127.0.0.1",
    port: 0,
    checkMs: 20,
    onConnection: (socket) => {
      clients.push(`${socket.remotePort}`);
      socket.end("hello\n");
    },
    // Asked only when a probe went unanswered: each is answered here.
    shortOfDescriptors: () => (descriptorChecks++, false),
  });
  // Long enough for several probes, none of which may reach onConnection.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
  assert.equal(
    new TextDecoder().decode(await new Response(conn.readable).arrayBuffer()),
    "hello\n",
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  await listener.close();
  assert.equal(clients.length, 1);
  assert.equal(descriptorChecks, 0);
});
