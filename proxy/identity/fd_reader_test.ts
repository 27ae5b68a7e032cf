import assert from "node:assert/strict";
import { join } from "node:path";
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

/** Write a fake `PID/stat` (start time `started`) and `PID/exe` under `procRoot`. */
async function fakeProcess(
  procRoot: string,
  pid: number,
  [comm, ppid, started, exe]: [string, number, number, string],
): Promise<void> {
  await Deno.mkdir(join(procRoot, String(pid)), { recursive: true });
  const rest = ["S", ppid, pid, 0, 0, ...Array(14).fill(0), started].join(" ");
  await Deno.writeTextFile(join(procRoot, String(pid), "stat"), `${pid} (${comm}) ${rest}\n`);
  await Deno.remove(join(procRoot, String(pid), "exe")).catch(() => {});
  await Deno.symlink(exe, join(procRoot, String(pid), "exe"));
}

Deno.test("ProcessTable through libc names a reused pid's new executable, not the cached one", async () => {
  const procRoot = await Deno.makeTempDir();
  const libc = new LazyLibc();
  try {
    await fakeProcess(procRoot, 20, ["sh", 1, 500, "/usr/bin/sh"]);
    await fakeProcess(procRoot, 30, ["curl", 20, 600, "/usr/bin/curl"]);
    const table = new ProcessTable(procRoot, { libc });
    assert.deepEqual(table.executableChain(30), ["/usr/bin/curl", "/usr/bin/sh"]);
    // Pid 20 exits and is handed out again, to python (same name, to be sure the start time
    // alone tells them apart): the ancestor's cached executable must not be answered.
    await fakeProcess(procRoot, 20, ["sh", 1, 900, "/usr/bin/python3"]);
    assert.deepEqual(table.executableChain(30), ["/usr/bin/curl", "/usr/bin/python3"]);
  } finally {
    libc.close();
    await Deno.remove(procRoot, { recursive: true });
  }
});

Deno.test({
  name:
    "ProcessTable through libc proves no holder where descriptors are denied, and throws nothing",
  // The check drops to nobody to be denied this process's descriptors: it needs root.
  ignore: Deno.uid() !== 0,
  fn: async () => {
    // Another user's process: its fd directory and exe link answer EACCES. The check runs in a
    // child that dropped to nobody; it reads this process, which holds a socket.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    const server = await listener.accept();
    const inodes = socketsOf(Deno.pid);
    const here = new URL(".", import.meta.url).pathname;
    const code = `
    const { ProcessTable } = await import("${here}_process_table.ts");
    const { LazyLibc } = await import("${here}_libc.ts");
    const libc = new LazyLibc();
    const table = new ProcessTable("/proc", { libc });
    console.log(JSON.stringify({
      ffi: libc.symbols() !== undefined,
      holders: [...table.holdersAmong(${JSON.stringify(inodes)}, [${Deno.pid}])],
      chain: table.executableChain(${Deno.pid}),
      alive: table.alive(${Deno.pid}),
    }));`;
    const denoDir = await Deno.makeTempDir();
    await Deno.chmod(denoDir, 0o777);
    try {
      const asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups", Deno.execPath()];
      const output = await new Deno.Command("setpriv", {
        args: [...asNobody, "eval", "--no-config", code],
        env: { DENO_DIR: denoDir, HOME: denoDir },
        stderr: "inherit",
      }).output();
      assert.ok(output.success);
      const seen = JSON.parse(new TextDecoder().decode(output.stdout));
      assert.deepEqual(seen, { ffi: true, holders: [], chain: [], alive: true });
    } finally {
      client.close();
      server.close();
      listener.close();
      await Deno.remove(denoDir, { recursive: true });
    }
  },
});
