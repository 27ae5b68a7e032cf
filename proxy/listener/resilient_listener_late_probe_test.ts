import assert from "node:assert/strict";
import * as net from "node:net";
import { ResilientListener } from "./resilient_listener.ts";
import { TestClock } from "./_test_clock.ts";

/**
 * Makes every `node:net` connection to `port` hear its connect late, as in a stall of the
 * process: the kernel has connected it (the listener can accept it), but until `release()` the
 * socket still reads as connecting, its own port unknown, its "connect" event unheard.
 */
function holdConnectsTo(port: number) {
  const original = net.Socket.prototype.connect;
  const held: { socket: net.Socket; release(): void }[] = [];
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    // net.connect() passes its arguments on normalized: [[options, callback]].
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    if (Number((first as { port?: unknown } | undefined)?.port) !== port) {
      return Reflect.apply(original, this, args) as net.Socket;
    }
    const emit = this.emit;
    const heard: unknown[][] = [];
    let connecting = true;
    let holding = true;
    Object.defineProperties(this, {
      connecting: { get: () => holding || connecting, set: (v) => (connecting = v) },
      localPort: { get: () => undefined, configurable: true },
      localAddress: { get: () => undefined, configurable: true },
    });
    this.emit = (event: string | symbol, ...rest: unknown[]) => {
      if (holding && event === "connect") return heard.push([event, ...rest]) > 0;
      return Reflect.apply(emit, this, [event, ...rest]) as boolean;
    };
    held.push({
      socket: this,
      release: () => {
        holding = false;
        delete (this as { localPort?: unknown }).localPort;
        delete (this as { localAddress?: unknown }).localAddress;
        for (const args of heard) Reflect.apply(emit, this, args);
      },
    });
    return Reflect.apply(original, this, args) as net.Socket;
  };
  return { held, restore: () => (net.Socket.prototype.connect = original) };
}

/** Resolves once `ready()` holds, checking each millisecond (real I/O goes on meanwhile). */
async function until(ready: () => boolean, what: string): Promise<void> {
  const start = performance.now();
  while (!ready()) {
    if (performance.now() - start > 5_000) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

Deno.test("ResilientListener takes back a client it handed on that was its probe after all", async () => {
  const clock = new TestClock();
  const handed: net.Socket[] = [];
  let descriptorChecks = 0;
  const listener = await ResilientListener.open({
    hostname: "127.0.0.1",
    port: 0,
    checkMs: 1_000,
    clock,
    onConnection: (socket) => {
      socket.on("error", () => {});
      handed.push(socket);
    },
    shortOfDescriptors: () => (descriptorChecks++, false),
  });
  const hold = holdConnectsTo(listener.port);
  try {
    clock.advance(1_000); // nothing accepted for a check period: a probe connects, unheard
    await until(() => hold.held.length === 1, "the probe connects");
    // The listener accepts the probe's connection while the probe still reads as connecting: it
    // waits a moment for the probe, then hands the connection on as a client.
    await until(() => clock.next("sort") !== undefined, "the accepted probe waits");
    clock.advance(50);
    await until(() => handed.length === 1, "the connection is handed on");
    // Now the probe hears it connected: the listener must know that client for its probe.
    hold.held[0]!.release();
    await until(() => handed[0]!.destroyed, "the listener takes its probe back");
    await clock.none("deadline"); // answered: its deadline is cancelled
    clock.advance(1_000); // the deadline's time passes, counting nothing unanswered
    assert.equal(descriptorChecks, 0, "the probe was counted unanswered");
  } finally {
    hold.restore();
    for (const socket of handed) socket.destroy();
    await listener.close();
  }
});
