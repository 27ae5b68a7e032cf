/**
 * Who is asking: map a client connection to the process that owns its socket, then to that
 * process's executable and its ancestors' executables, through Linux `/proc`.
 *
 * @module
 */

import type { RequesterIdentity } from "../policy/mod.ts";
import { findSocketInode, type PeerAddress } from "./_proc_net.ts";
import { HolderScan } from "./_holder_scan.ts";
import { LazyLibc } from "./_libc.ts";
import { ProcessTable } from "./_process_table.ts";
import {
  AMBIGUOUS_IDENTITY,
  readHolders,
  secondLooks,
  singleIdentity,
  withoutReleased,
} from "./_single_identity.ts";
import { SockDiag } from "./_sock_diag.ts";
import { TreeScan } from "./_tree_scan.ts";

export type { PeerAddress } from "./_proc_net.ts";

/** Resolves the requester of one client connection. */
export interface IdentityResolver {
  /**
   * The requesting process's executable and its ancestors'.
   *
   * @throws {Error} With a one-line reason when the requester cannot be identified.
   */
  resolve(peer: PeerAddress): Promise<RequesterIdentity>;
  /**
   * Release what the resolver holds open (the `/proc` resolver: its netlink socket, its libc
   * handle and its scan worker).
   */
  close?(): void;
}

/** Options of {@linkcode createProcIdentityResolver}. */
export interface ProcIdentityOptions {
  /** Mount point of procfs (tests may point it at a fake tree). */
  procRoot?: string;
  /**
   * A process inside the network namespace the clients live in: its `/proc/PID/net/tcp` is
   * read instead of the proxy's own (for a sandbox in its own network namespace).
   */
  netnsPid?: number;
  /**
   * The root process of the sandbox the clients run in (undefined until it exists): socket
   * holders are searched among it and its descendants only, instead of every process on the
   * host. Without it, every process's descriptors are read, in a Worker (see below).
   */
  treeRoot?: () => number | undefined;
  /**
   * The process a requester's ancestry is cut at (the one that started the sandbox's root
   * command; undefined until it exists). Only the ancestors below it are read and reported,
   * so processes outside the sandbox (the runner, the user's shell, init) never lend their
   * executable to a binary rule, which matches the requester "or any ancestor". A requester
   * that does not descend from it is refused: it is not a process of this sandbox.
   */
  boundary?: () => number | undefined;
  /**
   * Start the host-wide scan worker (without a tree) or open libc (with one) at the first lookup
   * rather than now: for a listener that expects few clients or none (a netns sandbox's proxy,
   * whose command comes through its bridge), where `new Worker` would hold a start 30-60 ms.
   */
  lazyScan?: boolean;
}

const defaults = { procRoot: "/proc" } satisfies ProcIdentityOptions;
const TABLE_READ_SIZE = 256 * 1024;

/**
 * The `/proc` resolver: client port → socket inode (`net/tcp`, `net/tcp6`) → owning process
 * (`/proc/PID/fd`: every holder) → `exe` of the process and of each ancestor. Linux only;
 * Deno grants `/proc` reads only with `-A`.
 *
 * A socket held by several processes that are not the same requester (python that passed
 * its socket to a `curl` it started) is refused with an error starting
 * `ambiguous_identity:`: attributing it to either would let one borrow the other's rules.
 * Processes forked without `exec` share the executable and the ancestry, and are served.
 *
 * What is cached is only what cannot lie: the executable of a process keyed by pid, start
 * time and command name (a reused pid has another start time; an `exec` changes the command
 * name). The requester's own executable is read fresh every time.
 *
 * Holders are searched in the sandbox's process tree when `treeRoot` names one (on the event
 * loop: the tree is small; lookups that wait together share one read, see `TreeScan`). A
 * holder seen between a fork and the exec that closed its copy does not count (see
 * `withoutReleased`). Otherwise every process on the host must be read to find every
 * holder (100 ms and more at 2,000 processes): that scan runs in a Worker, one scan for all
 * the lookups waiting, so that only the connections being identified wait for it.
 *
 * The socket inode comes from the kernel's sock_diag netlink lookup (FFI, about 10 µs) when
 * available, else from `/proc/net/tcp` (a full table walk: 1-20 ms here). Descriptors and
 * thread children are read through libc as well (`getdents64`, `readlinkat`: 4× fewer CPU
 * cycles than Deno's file API), with Deno's file API where FFI is not allowed. Call
 * `close()` when done: it closes the netlink socket, releases the FFI handle and ends the scan
 * worker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createProcIdentityResolver } from "./proc_identity_resolver.ts";
 *
 * // This process connects to itself: the requester is Deno.
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const server = await listener.accept();
 * const resolver = createProcIdentityResolver();
 * const who = await resolver.resolve({
 *   localPort: listener.addr.port,
 *   remotePort: client.localAddr.port,
 *   remoteAddress: "127.0.0.1",
 * });
 * assert.equal(who.exe, Deno.execPath());
 * resolver.close?.();
 * client.close();
 * server.close();
 * listener.close();
 * ```
 */
export function createProcIdentityResolver(options: ProcIdentityOptions = {}): IdentityResolver {
  const procRoot = options.procRoot ?? defaults.procRoot;
  const netDir = options.netnsPid === undefined
    ? `${procRoot}/net`
    : `${procRoot}/${options.netnsPid}/net`;
  // One libc handle for the socket lookup and the procfs reads, released by close().
  const libc = new LazyLibc();
  const processes = new ProcessTable(procRoot, { libc });
  // Without a tree to search every lookup is host-wide: start the scan worker now, while no
  // client waits on this event loop, not at the first connection (new Worker blocks 28-40 ms).
  const eager = options.treeRoot === undefined && !options.lazyScan;
  const hostWide = new HolderScan(procRoot, { eager });
  // On this thread on purpose: a tree search is a few tiny procfs reads per process, each
  // cheaper than the overhead of one async file op or of a message to the worker.
  const inTree = new TreeScan(processes, () => options.treeRoot?.());
  // Whether the kernel lists children (CONFIG_PROC_CHILDREN), learnt at the first tree lookup.
  let childrenListed: boolean | undefined;
  const findHolders = (inode: number): Promise<number[]> => {
    const root = options.treeRoot?.();
    if (root !== undefined) childrenListed ??= processes.tree(root) !== undefined;
    if (root === undefined || !childrenListed) return hostWide.holders(inode);
    return inTree.holders(inode);
  };
  // sock_diag answers for our own network namespace only.
  let diag: SockDiag | undefined | null = options.netnsPid === undefined ? undefined : null;
  if (options.treeRoot !== undefined && !options.lazyScan) {
    // A sandbox's proxy, before its command: dlopen now (it held the first lookup 10-33 ms).
    if (libc.symbols() !== undefined && diag === undefined) diag = SockDiag.over(libc) ?? null;
    diag?.prepare();
  }
  const findInode = async (peer: PeerAddress): Promise<number | undefined> => {
    if (diag === undefined) diag = SockDiag.over(libc) ?? null;
    const exact = diag === null ? undefined : lookupExact(diag, peer);
    // The kernel's "no such socket" is final only when we knew the proxy's own address.
    if (exact === null && peer.localAddress !== undefined) return undefined;
    return typeof exact === "number" ? exact : await scanTables(netDir, peer);
  };
  return {
    async resolve(peer: PeerAddress): Promise<RequesterIdentity> {
      const inode = await findInode(peer);
      if (inode === undefined) {
        // The kernel lists a socket without an inode once its last descriptor is closed.
        throw new Error(
          `no open socket for client port ${peer.remotePort}: the client closed it first`,
        );
      }
      const boundary = options.boundary?.();
      const holders = await readHolders(
        await findHolders(inode),
        (pid) => processes.executableChain(pid, boundary),
        (pid) => processes.alive(pid),
      );
      let identity = singleIdentity(inode, holders);
      if (identity instanceof Error && identity.message.startsWith(AMBIGUOUS_IDENTITY)) {
        // A second look, after every chain was read: a program the client started as it
        // connected may have held the socket only until its exec (see withoutReleased).
        const looks = secondLooks(holders);
        const now = new Set(processes.holdersAmong([inode], looks).get(inode) ?? []);
        for (const h of holders) if (!looks.includes(h.pid)) now.add(h.pid);
        identity = singleIdentity(inode, withoutReleased(holders, now));
      }
      if (identity instanceof Error) throw identity;
      return identity;
    },
    close(): void {
      diag?.close();
      diag = null;
      libc.close();
      hostWide.close();
      inTree.close();
    },
  };
}

/** The inode, null when the kernel has no such socket, undefined when netlink failed. */
function lookupExact(diag: SockDiag, peer: PeerAddress): number | null | undefined {
  const mapped = peer.remoteAddress.toLowerCase().startsWith("::ffff:");
  const guess = mapped
    ? "::ffff:127.0.0.1"
    : peer.remoteAddress.includes(":")
    ? "::1"
    : "127.0.0.1";
  try {
    const inode = diag.findInode({
      clientAddress: peer.remoteAddress,
      clientPort: peer.remotePort,
      serverAddress: peer.localAddress ?? guess,
      serverPort: peer.localPort,
    });
    return inode ?? null;
  } catch {
    return undefined;
  }
}

// The kernel walks its whole connection hash table on every read() of /proc/net/tcp (1-20 ms
// here), so read with one large buffer, asynchronously (other connections keep going), and
// look at tcp6 only when tcp has no match.
async function scanTables(netDir: string, peer: PeerAddress): Promise<number | undefined> {
  for (const name of ["tcp", "tcp6"]) {
    const inode = findSocketInode([await readTable(`${netDir}/${name}`)], peer);
    if (inode !== undefined) return inode;
  }
  return undefined;
}

async function readTable(path: string): Promise<string> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch {
    return "";
  }
  try {
    const chunks: Uint8Array[] = [];
    while (true) {
      const buffer = new Uint8Array(TABLE_READ_SIZE);
      const n = await file.read(buffer);
      if (n === null) break;
      chunks.push(buffer.subarray(0, n));
    }
    const decoder = new TextDecoder();
    return chunks.map((c, i) => decoder.decode(c, { stream: i < chunks.length - 1 })).join("");
  } finally {
    file.close();
  }
}
