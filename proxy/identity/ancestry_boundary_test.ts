/**
 * The cut of a requester's ancestry at the sandbox boundary: only the processes below the one
 * that started the sandbox's root command are read and reported, and a requester outside it
 * is refused.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { join } from "node:path";
import { LazyLibc } from "./_libc.ts";
import { ProcessTable } from "./_process_table.ts";
import { createProcIdentityResolver } from "./mod.ts";

/** A fake procfs: pid → [comm, ppid, exe (none: unreadable)]. */
async function fakeProc(tree: Record<number, [string, number, string?]>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [pid, [comm, ppid, exe]] of Object.entries(tree)) {
    await Deno.mkdir(join(dir, pid));
    // Fields after the command name up to the start time (the 20th), as the kernel writes.
    const rest = ["S", ppid, pid, 0, 0, ...Array(14).fill(0), 1000 + Number(pid)].join(" ");
    await Deno.writeTextFile(join(dir, pid, "stat"), `${pid} (${comm}) ${rest}\n`);
    if (exe) await Deno.symlink(exe, join(dir, pid, "exe"));
  }
  return dir;
}

Deno.test("executableChain() stops below the boundary and refuses a process outside it", async () => {
  // 1 init → 50 deno (runner) → 60 unshare (boundary) → 70 sh → 80 weird name → 90 curl;
  // 99 python3 beside the sandbox; 75 (unreadable executable) → 76 wget.
  const procRoot = await fakeProc({
    1: ["systemd", 0, "/sbin/init"],
    50: ["deno", 1, "/usr/bin/deno"],
    60: ["unshare", 50, "/usr/bin/unshare"],
    70: ["sh", 60, "/usr/bin/sh"],
    75: ["hidden", 70],
    76: ["wget", 75, "/usr/bin/wget"],
    80: ["a) (b", 70, "/usr/bin/x"],
    90: ["curl", 80, "/usr/bin/curl"],
    99: ["python3", 50, "/usr/bin/python3"],
  });
  const open = new LazyLibc();
  try {
    for (const libc of [open, undefined]) {
      const table = new ProcessTable(procRoot, libc ? { libc } : {});
      const cases: [number, string[] | null][] = [
        [90, ["/usr/bin/curl", "/usr/bin/x", "/usr/bin/sh"]],
        [70, ["/usr/bin/sh"]],
        // An ancestor whose executable cannot be read ends the listing, not the walk.
        [76, ["/usr/bin/wget"]],
        [99, null],
        [60, null],
        [50, null],
        // Gone: nothing to list, as without a boundary.
        [12345, []],
      ];
      for (const [pid, want] of cases) {
        assert.deepEqual(table.executableChain(pid, 60), want, `pid ${pid}`);
      }
      assert.deepEqual(table.executableChain(90), [
        "/usr/bin/curl",
        "/usr/bin/x",
        "/usr/bin/sh",
        "/usr/bin/unshare",
        "/usr/bin/deno",
        "/sbin/init",
      ]);
      assert.deepEqual(table.executableChain(76), ["/usr/bin/wget"]);
    }
  } finally {
    open.close();
    await Deno.remove(procRoot, { recursive: true });
  }
});

Deno.test("the /proc resolver reports only the ancestors below its boundary, and refuses others", async () => {
  const server = net.createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  // sh stays python's parent (the trailing `true` keeps it from exec'ing python).
  const python = `import socket,sys,time\ns=socket.create_connection(("127.0.0.1",${port}))\n` +
    `print(s.getsockname()[1],flush=True)\nsys.stdin.read()`;
  const child = new Deno.Command("sh", {
    args: ["-c", 'python3 -c "$0"; true', python],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const clientPort = Number((await lines.read()).value);
    const peer = { localPort: port, remotePort: clientPort, remoteAddress: "127.0.0.1" };
    const resolveWith = async (boundary: number) => {
      const resolver = createProcIdentityResolver({
        treeRoot: () => Deno.pid,
        boundary: () => boundary,
      });
      try {
        return await resolver.resolve(peer).catch((error: Error) => error);
      } finally {
        resolver.close?.();
      }
    };
    // Below this process: sh is inside, this Deno and everything above it are not.
    const inside = await resolveWith(Deno.pid);
    assert.ok(!(inside instanceof Error), String(inside));
    assert.match(inside.exe, /python3/);
    assert.equal(inside.ancestors.length, 1);
    assert.match(inside.ancestors[0]!, /sh$/);
    // sh is the boundary: python has no ancestor inside.
    const top = await resolveWith(child.pid);
    assert.ok(!(top instanceof Error), String(top));
    assert.deepEqual(top.ancestors, []);
    // A boundary python does not descend from (our parent's other children do not count).
    const outside = await resolveWith(inside.pid!);
    assert.ok(outside instanceof Error);
    assert.match(outside.message, /is not a process of this sandbox/);
  } finally {
    await child.stdin.close();
    await lines.cancel();
    await child.status;
    await new Promise((resolve) => server.close(resolve));
  }
});
