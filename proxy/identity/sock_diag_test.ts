import assert from "node:assert/strict";
import { LazyLibc, type LibcOpener } from "./_libc.ts";
import { findSocketInode } from "./_proc_net.ts";
import { type FourTuple, SockDiag } from "./_sock_diag.ts";

type Library = NonNullable<ReturnType<LibcOpener>>;

/** A loopback connection to `port`, as the server sees its client. */
async function connectTo(listener: Deno.Listener<Deno.TcpConn>): Promise<
  Deno.TcpConn[] & {
    tuple: FourTuple;
  }
> {
  const { port } = listener.addr as Deno.NetAddr;
  const client = await Deno.connect({ hostname: "127.0.0.1", port });
  const server = await listener.accept();
  const tuple = {
    clientAddress: "127.0.0.1",
    clientPort: (client.localAddr as Deno.NetAddr).port,
    serverAddress: "127.0.0.1",
    serverPort: port,
  };
  return Object.assign([client, server], { tuple });
}

/** The inode /proc/net/tcp gives the client end of `tuple` (the lookup's other path). */
function tableInode(tuple: FourTuple): number | undefined {
  const table = Deno.readTextFileSync("/proc/net/tcp");
  const peer = { localPort: tuple.serverPort, remotePort: tuple.clientPort };
  return findSocketInode([table], { ...peer, remoteAddress: tuple.clientAddress });
}

Deno.test("SockDiag never answers a lookup with the reply a failed lookup left on its socket", async () => {
  const real = new LazyLibc();
  const symbols = real.symbols()!;
  let failNextRecv = false;
  // The first lookup's reply stays unread on the kept socket, as if its recv had failed.
  const recv: typeof symbols.recv = (...args) => {
    if (!failNextRecv) return symbols.recv(...args);
    failNextRecv = false;
    return -1n;
  };
  const library = { symbols: { ...symbols, recv }, close: () => real.close() };
  const libc = new LazyLibc(() => library as unknown as Library);
  const diag = SockDiag.over(libc)!;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const first = await connectTo(listener);
  const second = await connectTo(listener);
  try {
    failNextRecv = true;
    assert.throws(() => diag.findInode(first.tuple), /sock_diag/);
    const expected = tableInode(second.tuple);
    assert.ok(expected !== undefined && expected !== tableInode(first.tuple));
    assert.equal(diag.findInode(second.tuple), expected);
    // And the kept socket goes on answering each lookup with its own socket.
    assert.equal(diag.findInode(first.tuple), tableInode(first.tuple));
    assert.equal(diag.findInode(second.tuple), expected);
  } finally {
    diag.close();
    libc.close();
    for (const conn of [...first, ...second]) conn.close();
    listener.close();
  }
});
