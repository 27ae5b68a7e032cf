import assert from "node:assert/strict";
import { ResilientListener } from "./resilient_listener.ts";
import { TestClock } from "./_test_clock.ts";

/**
 * A listener probing every 20 ms that answers each client it hands on "hello" and counts them,
 * and counts how often it asks whether descriptors are short (only when a probe went
 * unanswered: descriptors are never short here).
 */
async function countingListener() {
  const seen = { clients: [] as string[], descriptorChecks: 0 };
  const listener = await ResilientListener.open({
    hostname: "127.0.0.1",
    port: 0,
    checkMs: 20,
    onConnection: (socket) => {
      seen.clients.push(`${socket.remotePort}`);
      socket.on("error", () => {}); // a probe handed on by mistake is gone already (EPIPE)
      socket.end("hello\n");
    },
    shortOfDescriptors: () => (seen.descriptorChecks++, false),
  });
  return { listener, seen };
}

Deno.test("ResilientListener keeps its own probes to itself and hands on every client", async () => {
  const { listener, seen } = await countingListener();
  // Long enough for several probes, none of which may reach onConnection.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
  assert.equal(
    new TextDecoder().decode(await new Response(conn.readable).arrayBuffer()),
    "hello\n",
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  await listener.close();
  assert.equal(seen.clients.length, 1);
  assert.equal(seen.descriptorChecks, 0);
});

Deno.test("ResilientListener accepts again after a moment out of descriptors that has passed", async (t) => {
  const prlimit = ["/usr/bin/prlimit", "/bin/prlimit"].find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
  if (prlimit === undefined) {
    return void await t.step({ name: "needs prlimit", ignore: true, fn() {} });
  }
  // A process with 64 descriptors fills them, connects to itself with the last one (so the
  // accept fails), frees them all, then tries again: descriptors are no longer short, and
  // Deno 2.9's accept loop is dead since the failure. Before, it stayed deaf for good.
  const script = `
    import { ResilientListener } from "${new URL("./resilient_listener.ts", import.meta.url)}";
    const listener = await ResilientListener.open({
      hostname: "127.0.0.1", port: 0, checkMs: 100,
      onConnection: (socket) => socket.end("hello"),
      shortOfDescriptors: () => false,
    });
    // The runtime starts its signal thread (a self-pipe) at the first signal listener, and
    // panics when that finds no descriptor: start it now, as the proxy does at start-up.
    const onSignal = () => {};
    Deno.addSignalListener("SIGUSR2", onSignal);
    const fillers = [];
    for (;;) { try { fillers.push(Deno.openSync("/dev/null")); } catch { break; } }
    // The runtime may take a freed descriptor first (a cache write after a cold load, under
    // load): free one more until the connect gets one; the accept then finds none.
    let early;
    while (early === undefined && fillers.length > 0) {
      fillers.pop().close();
      early = await Deno.connect({ hostname: "127.0.0.1", port: listener.port }).catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const file of fillers) file.close();
    early.close();
    let answer = "";
    // Three unanswered probes make the listener listen again: seconds on a loaded machine.
    for (const end = Date.now() + 20_000; answer === "" && Date.now() < end;) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
      const timer = setTimeout(() => conn.close(), 500);
      answer = await new Response(conn.readable).text().catch(() => "");
      clearTimeout(timer);
    }
    console.log(answer || "no answer");
    await listener.close();
    Deno.removeSignalListener("SIGUSR2", onSignal);
  `;
  const args = ["--nofile=64:64", Deno.execPath(), "eval", "--quiet", script];
  const { stdout, stderr } = await new Deno.Command(prlimit, { args }).output();
  const [out, why] = [stdout, stderr].map((bytes) => new TextDecoder().decode(bytes).trim());
  assert.equal(out, "hello", why);
});

/** Sockets to or from `port` on 127.0.0.1 in TIME_WAIT: each closed probe leaves one. */
function closedConnections(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  return Deno.readTextFileSync("/proc/net/tcp").split("\n").filter((line) => {
    const [, local, remote, state] = line.trim().split(/\s+/);
    return state === "06" && (local?.endsWith(hex) || remote?.endsWith(hex));
  }).length;
}

Deno.test("ResilientListener probes an idle listener less and less often, and often again once clients come", async () => {
  // On a clock of its own: the pauses are the listener's choice, not the machine's load.
  const clock = new TestClock();
  const listener = await ResilientListener.open({
    hostname: "127.0.0.1",
    port: 0,
    checkMs: 20,
    clock,
    onConnection: (socket) => socket.end("hello\n"),
    shortOfDescriptors: () => false,
  });
  const probes = () => clock.set.filter((timer) => timer.timer === "deadline").length;
  // Run the next check, let its probe be accepted (for real), and give the pause that follows.
  const check = async () => {
    clock.advance(clock.next("check")!);
    await clock.none("deadline");
    await new Promise((resolve) => setTimeout(resolve, 0)); // the check's end schedules the next
    return clock.next("check");
  };
  try {
    assert.equal(clock.next("check"), 20);
    const idle = [];
    for (let i = 0; i < 6; i++) idle.push(await check());
    // Each answered probe with no client since doubles the pause, up to 8 times checkMs.
    assert.deepEqual(idle, [20, 40, 80, 160, 160, 160]);
    assert.equal(probes(), 6);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
    await new Response(conn.readable).arrayBuffer();
    // A client came: the far-off check is pulled back, and the pauses start again from checkMs.
    assert.equal(clock.next("check"), 20);
    assert.deepEqual([await check(), await check()], [20, 40]);
    assert.equal(probes(), 8);
  } finally {
    await listener.close();
  }
});

Deno.test("ResilientListener tells its probes from clients when the process stalls past a probe's deadline", async () => {
  const { listener, seen } = await countingListener();
  try {
    // A loaded machine: the process runs late by a little more than a probe's deadline, again
    // and again. Before, the deadline's timer ran ahead of the accept waiting with it: the probe
    // counted as unanswered, and its accepted end went to onConnection as a client.
    for (let i = 0; i < 40; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5 + (i % 7) * 3));
      const until = performance.now() + 22 + (i % 5);
      while (performance.now() < until) { /* busy */ }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    await listener.close();
  }
  assert.ok(closedConnections(listener.port) > 0, "no probe was made");
  assert.deepEqual(seen.clients, [], "probes handed on as clients");
  assert.equal(seen.descriptorChecks, 0, "probes counted unanswered");
});

Deno.test("ResilientListener runs one check at a time while clients come during its probes", async () => {
  const { listener, seen } = await countingListener();
  const answers: string[] = [];
  try {
    // Clients about as often as the probes: some are accepted while a probe is out. Before, each
    // such client started a second chain of checks; their probes took each other's place, went
    // unanswered, and the listener listened again (resetting clients) and leaked a timer.
    for (let i = 0; i < 60; i++) {
      await new Promise((resolve) => setTimeout(resolve, 15 + (i % 7) * 5));
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
      answers.push(new TextDecoder().decode(await new Response(conn.readable).arrayBuffer()));
    }
  } finally {
    await listener.close();
  }
  assert.deepEqual(answers, Array(60).fill("hello\n"));
  // Every client was handed on (a probe given up in a stall may be too: the stall test's case).
  assert.ok(seen.clients.length >= 60, `${seen.clients.length} clients handed on`);
  assert.equal(seen.descriptorChecks, 0, "probes counted unanswered");
});
