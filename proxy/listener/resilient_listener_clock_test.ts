import assert from "node:assert/strict";
import type * as net from "node:net";
import { ResilientListener } from "./resilient_listener.ts";
import { TestClock } from "./_test_clock.ts";

Deno.test("ResilientListener keeps a probe given up in a stall of many check periods from its clients", async () => {
  const clock = new TestClock();
  const handedOn: number[] = [];
  let heard = (_port: number) => {};
  const listener = await ResilientListener.open({
    hostname: "127.0.0.1",
    port: 0,
    checkMs: 1_000,
    clock,
    onConnection: (socket: net.Socket) => {
      handedOn.push(socket.remotePort!);
      heard(socket.remotePort!);
      socket.destroy();
    },
    shortOfDescriptors: () => false,
  });
  try {
    clock.advance(1_000); // nothing accepted for a check period: a probe connects
    await new Promise((resolve) => setImmediate(resolve)); // its connect starts, unheard yet
    // The process stalls before it hears the connect: the deadline comes late ("late"), then
    // a second stall of five check periods, longer than a given-up probe once waited.
    clock.stall(2_000);
    clock.stall(5_000);
    // The backlog holds the probe's connection, then a client's: the client must be the only
    // one handed on.
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
    const port = (client.localAddr as Deno.NetAddr).port;
    await new Promise<void>((resolve) => {
      heard = (heardPort) => heardPort === port && resolve();
      if (handedOn.includes(port)) resolve();
    });
    client.close();
    assert.deepEqual(handedOn, [port], "a probe was handed on as a client");
  } finally {
    await listener.close();
  }
});
