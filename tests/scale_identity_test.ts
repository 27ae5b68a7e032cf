/**
 * Issue #15 (performance at scale), the correctness side: identity lookups stay inside the
 * sandbox's process tree, where every holder of the socket still counts. Nothing here asserts
 * speed.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { createProcIdentityResolver } from "../proxy/mod.ts";

/** A fake procfs: `net/tcp` under pid 1 with one client socket, and processes holding it. */
async function fakeProc(processes: { pid: number; ppid: number; exe: string; holds: boolean }[]) {
  const root = await Deno.makeTempDir({ prefix: "tollgate-fake-proc-" });
  await Deno.mkdir(`${root}/1/net`, { recursive: true });
  const row = "   0: 0100007F:C350 0100007F:0C38 01 00000000:00000000 00:00000000 00000000" +
    "     0        0 4242 1";
  await Deno.writeTextFile(`${root}/1/net/tcp`, `  sl  local_address rem_address   st\n${row}\n`);
  for (const p of processes) {
    const dir = `${root}/${p.pid}`;
    await Deno.mkdir(`${dir}/fd`, { recursive: true });
    await Deno.mkdir(`${dir}/task/${p.pid}`, { recursive: true });
    const rest = Array.from({ length: 20 }, (_, i) => (i === 0 ? p.ppid : 7)).join(" ");
    await Deno.writeTextFile(`${dir}/stat`, `${p.pid} (x) S ${rest}\n`);
    await Deno.symlink(p.exe, `${dir}/exe`);
    if (p.holds) await Deno.symlink("socket:[4242]", `${dir}/fd/3`);
    const children = processes.filter((c) => c.ppid === p.pid).map((c) => `${c.pid} `).join("");
    await Deno.writeTextFile(`${dir}/task/${p.pid}/children`, children);
  }
  return root;
}

const CONNECTIONS = 300;
const CLIENT = { localPort: 3128, remotePort: 50000, remoteAddress: "127.0.0.1" };

Deno.test("scale #15.3: an identity lookup with the sandbox's root reads only the sandbox's process tree", async () => {
  // 100 is the sandbox's root, 101 its curl; 900 is a process elsewhere on the host that
  // also holds the socket. Read, 900 would make the lookup ambiguous: it must not be read.
  const procRoot = await fakeProc([
    { pid: 100, ppid: 1, exe: "/usr/bin/bash", holds: false },
    { pid: 101, ppid: 100, exe: "/usr/bin/curl", holds: true },
    { pid: 900, ppid: 1, exe: "/usr/bin/python3", holds: true },
  ]);
  try {
    const resolver = createProcIdentityResolver({ procRoot, netnsPid: 1, treeRoot: () => 100 });
    const who = await resolver.resolve(CLIENT).finally(() => resolver.close?.());
    assert.equal(who.exe, "/usr/bin/curl");
    assert.deepEqual(who.ancestors, ["/usr/bin/bash"]);
  } finally {
    await Deno.remove(procRoot, { recursive: true });
  }
});

Deno.test("scale #15.3: inside the sandbox's tree every holder still counts (ambiguous_identity)", async () => {
  const procRoot = await fakeProc([
    { pid: 100, ppid: 1, exe: "/usr/bin/bash", holds: false },
    { pid: 101, ppid: 100, exe: "/usr/bin/curl", holds: true },
    { pid: 102, ppid: 101, exe: "/usr/bin/python3", holds: true },
  ]);
  try {
    const resolver = createProcIdentityResolver({ procRoot, netnsPid: 1, treeRoot: () => 100 });
    await assert.rejects(
      resolver.resolve(CLIENT).finally(() => resolver.close?.()),
      /^Error: ambiguous_identity: .*2 processes/,
    );
    // Without the root (host-wide), the whole table is read, as before.
    const hostWide = createProcIdentityResolver({ procRoot, netnsPid: 1 });
    await assert.rejects(hostWide.resolve(CLIENT), /ambiguous_identity/);
    hostWide.close?.();
  } finally {
    await Deno.remove(procRoot, { recursive: true });
  }
});

Deno.test("scale #15.3: a client that starts a program as it connects is identified, not ambiguous", async () => {
  // Between fork and exec, bash's child holds a copy of the socket until it applies `3>&-`: a
  // lookup that read the child's descriptors then and its executable after the exec saw two
  // requesters (bash and true) and refused a client that was still connected. The child has
  // closed its copy by then: it holds nothing, as a holder that exited holds nothing.
  const resolver = createProcIdentityResolver({
    treeRoot: () => client?.pid,
    boundary: () => Deno.pid,
  });
  const refusals: string[] = [];
  const server = net.createServer((socket) => {
    const peer = {
      localPort: socket.localPort!,
      localAddress: socket.localAddress,
      remotePort: socket.remotePort!,
      remoteAddress: socket.remoteAddress!,
    };
    // The client waits for this byte before it closes: every lookup finds it connected.
    resolver.resolve(peer).then(
      (who) => who.exe === "/usr/bin/bash" || refusals.push(`identified as ${who.exe}`),
      (error: Error) => refusals.push(error.message),
    ).finally(() => socket.end("x"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const script = `for i in $(seq ${CONNECTIONS}); do exec 3<>/dev/tcp/127.0.0.1/${port}; ` +
    "/bin/true 3>&-; read -r -n 1 -u 3; exec 3>&-; done";
  let client: Deno.ChildProcess | undefined;
  try {
    client = new Deno.Command("bash", { args: ["-c", script], stdout: "null" }).spawn();
    assert.equal((await client.status).code, 0);
  } finally {
    resolver.close?.();
    await new Promise((resolve) => server.close(resolve));
  }
  assert.deepEqual(refusals, []);
});
