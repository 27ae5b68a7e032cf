import assert from "node:assert/strict";
import { join } from "node:path";
import { LazyLibc } from "./_libc.ts";
import { ProcessTable } from "./_process_table.ts";
import { SockDiag } from "./_sock_diag.ts";

// More descriptors than one getdents64 call returns (32 KiB of entries: about 1,300), the
// socket last, so that only a reader that lists the whole directory finds it.
const CHILD_FILES = 2_000;
const CHILD = `
const files = [];
for (let i = 0; i < ${CHILD_FILES}; i++) files.push(Deno.openSync("/dev/null"));
const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(Deno.args[0]) });
console.log(conn.localAddr.port);
await Deno.stdin.readable.pipeTo(new WritableStream());
`;

/** A child process holding a socket to us and many other descriptors, until disposed. */
async function startHolder(): Promise<AsyncDisposable & { pid: number; inode: number }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", CHILD, String(listener.addr.port)],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const server = await listener.accept();
  listener.close();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const clientPort = Number((await reader.read()).value);
  const libc = new LazyLibc();
  const diag = SockDiag.over(libc)!;
  const inode = diag.findInode({
    clientAddress: "127.0.0.1",
    clientPort,
    serverAddress: "127.0.0.1",
    serverPort: listener.addr.port,
  })!;
  diag.close();
  libc.close();
  return {
    pid: child.pid,
    inode,
    async [Symbol.asyncDispose]() {
      await child.stdin.close();
      await reader.cancel();
      await child.status;
      server.close();
    },
  };
}

/** Every socket inode `pid` holds, read the portable way. */
function socketsOf(pid: number): number[] {
  const dir = `/proc/${pid}/fd`;
  const links = [...Deno.readDirSync(dir)].map((entry) => {
    try {
      return Deno.readLinkSync(`${dir}/${entry.name}`);
    } catch {
      return ""; // This process's own listing descriptor, closed by now.
    }
  });
  return links.flatMap((link) => /^socket:\[(\d+)\]$/.exec(link)?.[1] ?? []).map(Number);
}

Deno.test("ProcessTable reads the same holders and children through libc as through Deno's file API", async () => {
  await using holder = await startHolder();
  const libc = new LazyLibc();
  try {
    const native = new ProcessTable("/proc", { libc });
    const portable = new ProcessTable("/proc");
    const pids = [holder.pid, Deno.pid];
    const inodes = [...new Set(pids.flatMap(socketsOf))];
    assert.ok(inodes.includes(holder.inode));
    const found = native.holdersAmong(inodes, pids);
    assert.deepEqual(found, portable.holdersAmong(inodes, pids));
    assert.deepEqual(found.get(holder.inode), [holder.pid]);
    // The tree below this process: the holder child, read from each thread's children file.
    const tree = native.tree(Deno.pid);
    assert.deepEqual(tree, portable.tree(Deno.pid));
    assert.ok(tree?.includes(holder.pid));
    assert.deepEqual(native.executableChain(holder.pid), portable.executableChain(holder.pid));
    assert.equal(native.executableChain(holder.pid)[0], Deno.execPath());
  } finally {
    libc.close();
  }
});

Deno.test("ProcessTable reads with Deno's file API when FFI is unavailable or closed", async () => {
  const dir = await Deno.makeTempDir();
  const procRoot = join(dir, "proc");
  await Deno.mkdir(join(procRoot, "123", "fd"), { recursive: true });
  await Deno.symlink("socket:[42]", join(procRoot, "123", "fd", "3"));
  await Deno.symlink("pipe:[42]", join(procRoot, "123", "fd", "4"));
  await Deno.mkdir(join(procRoot, "124", "fd"), { recursive: true });
  await Deno.symlink("socket:[42]", join(procRoot, "124", "fd", "7"));
  await Deno.mkdir(join(procRoot, "net"));
  await Deno.symlink("124", join(procRoot, "self"));
  const closed = new LazyLibc();
  closed.close();
  const open = new LazyLibc();
  try {
    for (const libc of [new LazyLibc(() => undefined), closed, open, undefined]) {
      const table = new ProcessTable(procRoot, libc ? { libc } : {});
      const found = table.holdersAmong([42, 7], [125, 124, 123]);
      assert.deepEqual(found, new Map([[42, [124, 123]]]));
      assert.deepEqual(table.pidsNewestFirst(), [124, 123]); // not "net" nor "self"
    }
  } finally {
    open.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ProcessTable lists pids newest first: later sightings first, then from ns_last_pid down", async () => {
  const dir = await Deno.makeTempDir();
  const procRoot = join(dir, "proc");
  const lastPid = join(procRoot, "sys", "kernel", "ns_last_pid");
  const open = new LazyLibc();
  try {
    for (const libc of [new LazyLibc(() => undefined), open]) {
      for (const pid of [5, 100, 200, 30000]) {
        await Deno.mkdir(join(procRoot, String(pid)), { recursive: true });
      }
      await Deno.mkdir(join(procRoot, "sys", "kernel"), { recursive: true });
      // No ns_last_pid (another kernel): by number.
      assert.deepEqual(new ProcessTable(procRoot, { libc }).pidsNewestFirst(), [
        30000,
        200,
        100,
        5,
      ]);
      // pids wrapped after 30000: 100 and 5 are the youngest, 200 the oldest.
      await Deno.writeTextFile(lastPid, "100\n");
      const table = new ProcessTable(procRoot, { libc });
      assert.deepEqual(table.pidsNewestFirst(), [100, 5, 30000, 200]);
      // A pid the previous listing lacked is newer than all it had, whatever its number.
      await Deno.mkdir(join(procRoot, "31000"));
      await Deno.remove(join(procRoot, "100"));
      assert.deepEqual(table.pidsNewestFirst(), [31000, 5, 30000, 200]);
      await Deno.remove(procRoot, { recursive: true });
    }
  } finally {
    open.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ProcessTable lists every child of a process whose children file takes several reads", async () => {
  // 1,500 children: their pids fill more than one 4 KiB read of the children file, and a read
  // stops short of 4 KiB where the next pid does not fit.
  const script = "for i in $(seq 1500); do sleep 600 & done; echo ready; wait";
  const parent = new Deno.Command("bash", { args: ["-c", script], stdout: "piped" }).spawn();
  const reader = parent.stdout.getReader();
  await reader.read();
  const libc = new LazyLibc();
  try {
    const text = Deno.readTextFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`);
    assert.ok(text.length > 4096);
    const tree = new ProcessTable("/proc", { libc }).tree(parent.pid);
    assert.equal(tree?.length, 1501);
    assert.deepEqual(tree, new ProcessTable("/proc").tree(parent.pid));
  } finally {
    libc.close();
    const children = Deno.readTextFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`);
    for (const child of children.trim().split(" ")) Deno.kill(Number(child), "SIGKILL");
    parent.kill("SIGKILL");
    await parent.status;
    await reader.cancel();
  }
});
