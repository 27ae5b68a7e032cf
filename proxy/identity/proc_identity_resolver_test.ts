import assert from "node:assert/strict";
import * as net from "node:net";
import { createProcIdentityResolver } from "./mod.ts";
import { findSocketInode } from "./_proc_net.ts";

async function withServer(
  onConnection: (socket: net.Socket) => Promise<void>,
  run: (port: number) => Promise<void>,
): Promise<void> {
  const server = net.createServer((socket) => {
    onConnection(socket).finally(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await run((server.address() as net.AddressInfo).port);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

Deno.test("createProcIdentityResolver() names curl and its ancestors", async () => {
  const resolver = createProcIdentityResolver();
  let seen: { exe: string; ancestors: string[]; pid?: number } | Error | undefined;
  await withServer(async (socket) => {
    seen = await resolver.resolve({
      localPort: socket.localPort!,
      remotePort: socket.remotePort!,
      remoteAddress: socket.remoteAddress!,
    }).catch((error) => error as Error);
    resolver.close?.();
  }, async (port) => {
    // A generous limit: under heavy load the first host-wide lookup (it starts the scan worker)
    // has taken more than 5 s, and a curl that gave up holds no socket to be found.
    const curl = new Deno.Command("curl", {
      args: ["-s", "-m", "60", `http://127.0.0.1:${port}/`],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await curl.status;
  });
  assert.ok(seen !== undefined && !(seen instanceof Error), String(seen));
  assert.equal(seen.exe, "/usr/bin/curl");
  assert.equal(seen.ancestors[0], Deno.execPath());
  assert.ok(typeof seen.pid === "number" && seen.pid !== Deno.pid);
});

/** What `resolver` answers (then closed) for a client this process connects to its own server. */
async function resolveOwnClient(
  resolver: ReturnType<typeof createProcIdentityResolver>,
): Promise<{ exe: string; pid?: number } | undefined> {
  let who: { exe: string; pid?: number } | undefined;
  await withServer(async (socket) => {
    who = await resolver.resolve({
      localPort: socket.localPort!,
      remotePort: socket.remotePort!,
      remoteAddress: socket.remoteAddress!,
    }).finally(() => resolver.close?.());
  }, async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.read(new Uint8Array(1)).catch(() => null);
    conn.close();
  });
  return who;
}

Deno.test("createProcIdentityResolver() names this process for an in-process client", async () => {
  const who = await resolveOwnClient(createProcIdentityResolver());
  assert.equal(who?.exe, Deno.execPath());
  assert.equal(who?.pid, Deno.pid);
});

Deno.test("createProcIdentityResolver() rejects a connection it cannot find", async () => {
  const resolver = createProcIdentityResolver();
  await assert.rejects(
    resolver.resolve({
      localPort: 1,
      remotePort: 2,
      remoteAddress: "127.0.0.1",
      localAddress: "127.0.0.1",
    }),
    /no open socket for client port 2/,
  );
  resolver.close?.();
  const elsewhere = createProcIdentityResolver({ procRoot: "/nonexistent" });
  await assert.rejects(
    elsewhere.resolve({ localPort: 1, remotePort: 2, remoteAddress: "127.0.0.1" }),
    /no open socket/,
  );
  elsewhere.close?.();
});

Deno.test("createProcIdentityResolver() falls back to /proc/net/tcp in another namespace", async () => {
  // netnsPid = our own pid: same namespace, but it forces the procfs table path.
  const who = await resolveOwnClient(createProcIdentityResolver({ netnsPid: Deno.pid }));
  assert.equal(who?.exe, Deno.execPath());
});

Deno.test("findSocketInode() matches IPv4, IPv6 and IPv4-mapped rows", () => {
  const v4 = [
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    "   0: 0100007F:0C38 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 111 1",
    "   1: 0100007F:C350 0100007F:0C38 01 00000000:00000000 00:00000000 00000000     0        0 222 1",
  ].join("\n");
  const v6 = [
    "  sl  local_address                         remote_address                        st",
    "   0: 00000000000000000000000001000000:C351 00000000000000000000000001000000:0C38 01 00000000:00000000 00:00000000 00000000     0        0 333 1",
    "   1: 0000000000000000FFFF00000100007F:C352 0000000000000000FFFF00000100007F:0C38 01 00000000:00000000 00:00000000 00000000     0        0 444 1",
  ].join("\n");
  const peer = (remotePort: number, remoteAddress: string) => ({
    localPort: 3128,
    remotePort,
    remoteAddress,
  });
  assert.equal(findSocketInode([v4, v6], peer(50000, "127.0.0.1")), 222);
  assert.equal(findSocketInode([v4, v6], peer(50001, "::1")), 333);
  assert.equal(findSocketInode([v4, v6], peer(50002, "::ffff:127.0.0.1")), 444);
  assert.equal(findSocketInode([v4, v6], peer(50000, "127.0.0.2")), undefined);
  assert.equal(findSocketInode([v4, v6], peer(3128, "127.0.0.1")), undefined);
});

/**
 * The numbers of this process's threads that run a Worker (Deno names them `worker-N`, N
 * counting up). A thread ending meanwhile (an earlier test's worker) is skipped, not an error.
 */
function workerIds(): number[] {
  return [...Deno.readDirSync("/proc/self/task")].flatMap((task) => {
    let comm = "";
    try {
      comm = Deno.readTextFileSync(`/proc/self/task/${task.name}/comm`);
    } catch {
      return [];
    }
    const id = /^worker-(\d+)/.exec(comm)?.[1];
    return id === undefined ? [] : [Number(id)];
  });
}

Deno.test("createProcIdentityResolver() without a tree starts its scan worker before any lookup, with a tree only when needed", () => {
  // Workers started before (and perhaps still ending) have lower numbers than any new one.
  const last = Math.max(0, ...workerIds());
  // Host-wide: the worker's start (new Worker holds the event loop) is paid here, at creation.
  const hostWide = createProcIdentityResolver();
  const withTree = createProcIdentityResolver({ treeRoot: () => Deno.pid });
  try {
    assert.equal(workerIds().filter((id) => id > last).length, 1);
  } finally {
    hostWide.close?.();
    withTree.close?.();
  }
});

/**
 * This process's sockets that are neither TCP, UDP nor Unix (an unbound netlink socket is
 * listed nowhere): other tests' connections may still be closing, so they are not counted.
 */
function ownOtherSockets(): number {
  const listed = new Set<string>();
  const tables: [string, number][] = [["tcp", 9], ["tcp6", 9], ["udp", 9], ["udp6", 9], [
    "unix",
    6,
  ]];
  for (const [table, column] of tables) {
    const text = Deno.readTextFileSync(`/proc/self/net/${table}`);
    for (const line of text.split("\n").slice(1)) listed.add(line.trim().split(/\s+/)[column]!);
  }
  let count = 0;
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/self/fd/${entry.name}`));
      if (inode !== null && !listed.has(inode[1]!)) count++;
    } catch {
      // The directory's own descriptor, closed once listed.
    }
  }
  return count;
}

Deno.test("createProcIdentityResolver() with a tree opens its sock_diag socket before any lookup, and close() releases it", () => {
  const before = ownOtherSockets();
  // A sandbox's proxy: the first client no longer waits for libc's dlopen and the socket.
  const withTree = createProcIdentityResolver({ treeRoot: () => Deno.pid });
  // Asked to wait (a listener expecting few clients), or in another namespace: nothing yet.
  const lazy = createProcIdentityResolver({ treeRoot: () => Deno.pid, lazyScan: true });
  const otherNs = createProcIdentityResolver({ treeRoot: () => Deno.pid, netnsPid: Deno.pid });
  try {
    assert.equal(ownOtherSockets(), before + 1);
  } finally {
    withTree.close?.();
    lazy.close?.();
    otherNs.close?.();
  }
  assert.equal(ownOtherSockets(), before);
});
