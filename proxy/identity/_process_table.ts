/**
 * Process lookups in procfs: the owner of a socket inode and the executables of a process
 * and its ancestors, with the small caches that keep repeated lookups cheap.
 *
 * @module
 */

import { FdReader } from "./_fd_reader.ts";
import type { LazyLibc } from "./_libc.ts";
import { LruMap } from "../lru/mod.ts";
import { PidOrder } from "./_pid_order.ts";

const MAX_DEPTH = 64;
const EXE_CACHE_SIZE = 4096;
// A tree walk stops here: a sandbox with more processes than this is searched no further.
const MAX_TREE = 65_536;

/** Fields of `/proc/PID/stat` the lookups need. */
interface ProcStat {
  comm: string;
  ppid: number;
  startTime: string;
}

/** Socket ownership and executable lookups over one procfs mount. */
export class ProcessTable {
  #procRoot: string;
  // null: the executable could not be read (e.g. init's, EACCES): remembered, because a
  // thrown error costs far more than the lookup it stands for. First in, first out: a hit
  // is read with peek(), so an ancestor read on every request is read again once per 4096.
  #exeCache = new LruMap<string, string | null>(EXE_CACHE_SIZE);
  #libc: LazyLibc | undefined;
  // undefined: not made yet; null: an architecture the reader does not know.
  #reader: FdReader | undefined | null;
  #order = new PidOrder();

  /**
   * @param options.libc Read through libc where FFI allows (several times faster per
   *   descriptor); without it, or without FFI, Deno's file API reads.
   */
  constructor(procRoot: string, options: { libc?: LazyLibc } = {}) {
    this.#procRoot = procRoot;
    this.#libc = options.libc;
  }

  /**
   * For each of `inodes`, every pid among `pids` holding it, in the order of `pids`. Every
   * pid is read on purpose: a socket passed to another process (inherited across `exec`, or
   * sent over a Unix socket) has several holders, and the first one found need not be the one
   * that speaks. One read of each process's descriptors answers every inode, so lookups
   * waiting together share one scan (about 15 µs a process through libc, 50-70 µs with
   * Deno's file API).
   */
  holdersAmong(inodes: readonly number[], pids: readonly number[]): Map<number, number[]> {
    const heldIn = this.#socketsReader(inodes);
    const found = new Map<number, number[]>();
    for (const pid of pids) {
      for (const inode of heldIn(`${this.#procRoot}/${pid}/fd`)) {
        const holders = found.get(inode) ?? [];
        if (holders.at(-1) !== pid) holders.push(pid);
        found.set(inode, holders);
      }
    }
    return found;
  }

  /**
   * `root` and every process below it, newest first, from `/proc/PID/task/TID/children`;
   * undefined when the kernel does not offer those files (CONFIG_PROC_CHILDREN).
   */
  tree(root: number): number[] | undefined {
    const found: number[] = [];
    const seen = new Set<number>();
    for (const queue = [root]; queue.length > 0 && seen.size < MAX_TREE;) {
      const pid = queue.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const children = this.#children(pid);
      if (children === undefined) {
        if (pid === root && this.#stat(root) !== undefined) return undefined;
        continue;
      }
      found.push(pid);
      queue.push(...children);
    }
    return found.sort((a, b) => b - a);
  }

  /** Children of every thread of `pid`; undefined when unreadable. */
  #children(pid: number): number[] | undefined {
    const dir = `${this.#procRoot}/${pid}/task`;
    const reader = this.#fdReader();
    if (reader) return reader.childrenIn(dir, pid);
    try {
      const pids: number[] = [];
      for (const task of Deno.readDirSync(dir)) {
        const text = Deno.readTextFileSync(`${dir}/${task.name}/children`);
        for (const child of text.trim().split(" ")) if (child !== "") pids.push(Number(child));
      }
      return pids;
    } catch {
      return undefined;
    }
  }

  /** True while `pid` exists (its `stat` is readable). */
  alive(pid: number): boolean {
    return this.#stat(pid) !== undefined;
  }

  /**
   * Executables of `pid` and then of each ancestor (nearest first); empty when `pid` is
   * unreadable (it exited). With `boundary`, the walk stops below that process, so nothing
   * above it is read, and null means `pid` does not descend from it (or is it).
   */
  executableChain(pid: number): string[];
  executableChain(pid: number, boundary: number | undefined): string[] | null;
  executableChain(pid: number, boundary?: number): string[] | null {
    const chain: string[] = [];
    // Once an executable cannot be read, no farther ancestor is listed: a gap would shift
    // who is whose parent. The walk goes on only to find the boundary.
    let listing = true;
    for (let current = pid, depth = 0; depth < MAX_DEPTH; depth++) {
      if (current === boundary) return depth === 0 ? null : chain;
      const stat = current > 0 ? this.#stat(current) : undefined;
      if (stat === undefined) break;
      // The requester's own executable is always read fresh; only ancestors come from cache.
      const exe = listing ? this.#exe(current, stat, depth > 0) : undefined;
      if (exe !== undefined) chain.push(exe);
      else if (boundary === undefined) break;
      else listing = false;
      current = stat.ppid;
    }
    // Below a boundary, a walk that never met it is a process outside the sandbox.
    return boundary === undefined || chain.length === 0 ? chain : null;
  }

  /**
   * Every pid on the host, newest first (see {@linkcode PidOrder}): a new client's process is
   * read early in a host-wide scan.
   */
  pidsNewestFirst(): number[] {
    return this.#order.newestFirst(this.#listPids(), this.#lastPid());
  }

  #listPids(): number[] {
    const pids = this.#fdReader()?.numberedIn(this.#procRoot) ?? [];
    if (pids.length === 0) {
      for (const entry of Deno.readDirSync(this.#procRoot)) {
        const first = entry.name.charCodeAt(0);
        if (first >= 48 && first <= 57) pids.push(Number(entry.name));
      }
    }
    return pids;
  }

  /** The last pid handed out in this pid namespace; undefined where it cannot be read. */
  #lastPid(): number | undefined {
    const last = Number(readText(`${this.#procRoot}/sys/kernel/ns_last_pid`, this.#fdReader()));
    return Number.isInteger(last) && last > 0 ? last : undefined;
  }

  /** Reads which of `inodes` a `/proc/PID/fd` holds, through libc or Deno's file API. */
  #socketsReader(inodes: readonly number[]): (dir: string) => number[] {
    const reader = this.#fdReader();
    if (reader === undefined) {
      const links = new Map(inodes.map((inode) => [`socket:[${inode}]`, inode]));
      return (dir) => heldAmong(dir, links);
    }
    const wanted = new Set(inodes);
    // undefined: the process exited or hides its descriptors, not an owner we can prove.
    return (dir) => reader.socketsIn(dir, wanted) ?? [];
  }

  #fdReader(): FdReader | undefined {
    // Asked at every use: once its owner closes libc, Deno's file API reads instead.
    const symbols = this.#libc?.symbols();
    if (symbols === undefined) return undefined;
    if (this.#reader === undefined) this.#reader = FdReader.over(symbols) ?? null;
    return this.#reader ?? undefined;
  }

  #stat(pid: number): ProcStat | undefined {
    const text = readText(`${this.#procRoot}/${pid}/stat`, this.#fdReader());
    if (text === undefined) return undefined;
    // comm may hold spaces and parentheses: it runs from the first "(" to the last ")".
    const open = text.indexOf("(");
    const close = text.lastIndexOf(")");
    if (open === -1 || close < open) return undefined;
    const fields = text.slice(close + 2).split(" ");
    const ppid = Number(fields[1]);
    const startTime = fields[19];
    if (!Number.isInteger(ppid) || startTime === undefined) return undefined;
    return { comm: text.slice(open + 1, close), ppid, startTime };
  }

  #exe(pid: number, stat: ProcStat, useCache: boolean): string | undefined {
    // A reused pid has another start time; an exec changes comm. Either misses the cache.
    const key = `${pid}:${stat.startTime}:${stat.comm}`;
    const cached = useCache ? this.#exeCache.peek(key) : undefined;
    if (cached !== undefined) return cached ?? undefined;
    let exe: string | null;
    try {
      exe = Deno.readLinkSync(`${this.#procRoot}/${pid}/exe`);
    } catch {
      exe = null;
    }
    this.#exeCache.set(key, exe);
    return exe ?? undefined;
  }
}

/** The inodes of `wanted` (keyed by their fd link text) open in `dir`, with Deno's file API. */
function heldAmong(dir: string, wanted: ReadonlyMap<string, number>): number[] {
  const held: number[] = [];
  try {
    for (const entry of Deno.readDirSync(dir)) {
      try {
        const inode = wanted.get(Deno.readLinkSync(`${dir}/${entry.name}`));
        if (inode !== undefined) held.push(inode);
      } catch {
        // The descriptor closed while we looked: not this one.
      }
    }
  } catch {
    // The process exited or hides its descriptors: not the owner we can prove.
  }
  return held;
}

function readText(path: string, reader: FdReader | undefined): string | undefined {
  if (reader) return reader.readText(path);
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}
