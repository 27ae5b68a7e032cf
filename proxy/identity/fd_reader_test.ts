import assert from "node:assert/strict";
import { FdReader } from "./_fd_reader.ts";
import { LazyLibc, type LibcSymbols } from "./_libc.ts";
import { ProcessTable } from "./_process_table.ts";

/** The socket inodes `pid` holds, read the portable way (readdir reads until the end). */
function socketsOf(pid: number): number[] {
  const dir = `/proc/${pid}/fd`;
  return [...Deno.readDirSync(dir)].flatMap((entry) => {
    try {
      const link = Deno.readLinkSync(`${dir}/${entry.name}`);
      return /^socket:\[(\d+)\]$/.exec(link)?.slice(1).map(Number) ?? [];
    } catch {
      return []; // The listing's own descriptor, closed by now.
    }
  });
}

/**
 * A bash child that opened a TCP socket to `port` and the `sleep` it started, holding it too;
 * the socket listed last, after 300 other descriptors.
 */
async function startSharedHolders(port: number) {
  const files = `for fd in $(seq 3 302); do eval "exec $fd</dev/null"; done`;
  const script =
    `${files}; exec 303<>/dev/tcp/127.0.0.1/${port}; sleep 30 & echo $!; read -r -u 303`;
  const child = new Deno.Command("bash", { args: ["-c", script], stdout: "piped" }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const sleeper = Number((await reader.read()).value);
  return {
    pid: child.pid,
    sleeper,
    async [Symbol.asyncDispose]() {
      Deno.kill(sleeper, "SIGKILL");
      child.kill("SIGKILL");
      await child.status;
      await reader.cancel();
    },
  };
}

/**
 * libc over a fake `/proc/PID/fd` holding `socket:[100 + fd]` at each of `fds`, whose
 * getdents64 answers `perCall` entries a call, as the kernel does when a signal is pending.
 */
function shortListingLibc(fds: number[], perCall: number): LibcSymbols {
  const names = [".", "..", ...fds.map(String)];
  let next = 0;
  const encoder = new TextEncoder();
  const fake = {
    open: () => 7,
    close: () => 0,
    syscall: (_number: bigint, _fd: bigint, buffer: Uint8Array) => {
      let at = 0;
      for (const name of names.slice(next, next + perCall)) {
        const reclen = Math.ceil((19 + name.length + 1) / 8) * 8;
        buffer.fill(0, at, at + reclen);
        new DataView(buffer.buffer).setUint16(at + 16, reclen, true);
        encoder.encodeInto(name, buffer.subarray(at + 19));
        at += reclen;
      }
      next += perCall;
      return BigInt(at);
    },
    readlinkat: (_fd: number, name: Uint8Array, link: Uint8Array) => {
      const fd = new TextDecoder().decode(name.subarray(0, name.indexOf(0)));
      return BigInt(encoder.encodeInto(`socket:[${100 + Number(fd)}]`, link).written);
    },
  };
  return fake as unknown as LibcSymbols;
}

Deno.test("FdReader reads a directory to its end when getdents64 answers short (a signal pending)", () => {
  // A pending signal ends a getdents64 call after any entry (fs/readdir.c), far from a full
  // buffer: taken for the end of the directory, a holder's socket went unseen ("no process
  // owns", or a second holder missed and ambiguous_identity not found).
  const fds = Array.from({ length: 40 }, (_, i) => i);
  for (const perCall of [1, 3, 50]) {
    const reader = FdReader.over(shortListingLibc(fds, perCall))!;
    const held = reader.socketsIn("/proc/1/fd", new Set([100, 117, 139]));
    assert.deepEqual(held, [100, 117, 139], `${perCall} entries a call`);
  }
});

Deno.test("FdReader finds both processes holding one socket, and none in an exited pid", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const libc = new LazyLibc();
  const native = new ProcessTable("/proc", { libc });
  const portable = new ProcessTable("/proc");
  let exited: number;
  let inode: number;
  {
    await using holders = await startSharedHolders(listener.addr.port);
    const server = await listener.accept();
    [inode] = socketsOf(holders.pid) as [number];
    exited = holders.pid;
    const pids = [holders.sleeper, holders.pid];
    const found = native.holdersAmong([inode], pids);
    assert.deepEqual(found.get(inode), [holders.sleeper, holders.pid]);
    assert.deepEqual(found, portable.holdersAmong([inode], pids));
    // The bash's one thread lists its child (read from task/PID/children alone).
    assert.deepEqual(
      native.tree(holders.pid),
      [holders.sleeper, holders.pid].sort((a, b) => b - a),
    );
    assert.deepEqual(native.tree(holders.pid), portable.tree(holders.pid));
    server.close();
  }
  // Both exited (and were reaped): no holder, no tree, no chain, and no throw.
  assert.deepEqual(native.holdersAmong([inode], [exited]), new Map());
  assert.deepEqual(native.tree(exited), []);
  assert.deepEqual(native.executableChain(exited), []);
  assert.equal(native.alive(exited), false);
  libc.close();
  listener.close();
});

Deno.test("FdReader reads the children of every thread of a process of many threads", async () => {
  // This process runs several threads (V8's, tokio's): its tree is read by listing task/.
  const threads = [...Deno.readDirSync(`/proc/${Deno.pid}/task`)].length;
  assert.ok(threads > 1);
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  const libc = new LazyLibc();
  try {
    const tree = new ProcessTable("/proc", { libc }).tree(Deno.pid);
    assert.ok(tree?.includes(child.pid));
    assert.deepEqual(tree, new ProcessTable("/proc").tree(Deno.pid));
  } finally {
    libc.close();
    child.kill("SIGKILL");
    await child.status;
  }
});
