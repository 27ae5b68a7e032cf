/**
 * procfs reads through libc (FFI) for the hot loops of the identity lookups: the descriptors
 * of a process and the children of its threads. Deno's `readDirSync` and `readLinkSync` build
 * a string and an object per entry and cost 3-4 µs per call; here a directory is listed with
 * `getdents64` into one reused buffer, each link is read with `readlinkat` relative to the
 * open directory, and only a `socket:[N]` link is ever parsed (its digits, in place).
 *
 * @module
 */

import type { LibcSymbols } from "./_libc.ts";
import { entryNumber, isDotEntry, socketInode } from "./_socket_inode.ts";

/** Flags and syscall numbers that differ between the architectures Deno ships for. */
interface ArchConstants {
  getdents64: bigint;
  oDirectory: number;
}

const ARCH: Partial<Record<typeof Deno.build.arch, ArchConstants>> = {
  x86_64: { getdents64: 217n, oDirectory: 0o200000 },
  aarch64: { getdents64: 61n, oDirectory: 0o40000 },
};
const O_CLOEXEC = 0o2000000;
// struct linux_dirent64: d_ino u64, d_off i64, d_reclen u16 (offset 16), d_type u8, d_name.
const RECLEN_AT = 16;
const NAME_AT = 19;
// The longest record of a `children` file: a pid (at most 7 digits, pid_max 4194304) and a space.
const MAX_CHILD_RECORD = 16;
const CHILDREN_SUFFIX = new TextEncoder().encode("/children\0");
const AT_FDCWD = -100;
// struct statx: stx_mask (u32) first, stx_nlink (u32) at byte 16.
const STATX_NLINK = 0x4;
const STATX_NLINK_AT = 16;

/** Reads process descriptors and thread children with as few copies as procfs allows. */
export class FdReader {
  #libc: LibcSymbols;
  #arch: ArchConstants;
  #entries = new Uint8Array(32 * 1024);
  // A socket link is at most 28 bytes ("socket:[" + 20 digits + "]"): a longer one is a path.
  #link = new Uint8Array(64);
  #path = new Uint8Array(4096);
  #relative = new Uint8Array(512);
  #text = new Uint8Array(4096);
  #statx = new Uint8Array(256);
  // Sizes as FFI takes them, converted once rather than at every call.
  #entriesSize = BigInt(this.#entries.byteLength);
  #linkSize = BigInt(this.#link.byteLength);
  #textSize = BigInt(this.#text.byteLength);
  #encoder = new TextEncoder();
  #decoder = new TextDecoder();

  private constructor(libc: LibcSymbols, arch: ArchConstants) {
    this.#libc = libc;
    this.#arch = arch;
  }

  /** A reader over `libc`; undefined on an architecture not listed here. */
  static over(libc: LibcSymbols): FdReader | undefined {
    const arch = ARCH[Deno.build.arch];
    return arch === undefined ? undefined : new FdReader(libc, arch);
  }

  /**
   * The inodes among `wanted` of the sockets open in `dir` (a `/proc/PID/fd`), once per
   * descriptor; undefined when the directory cannot be opened (the process exited, or hides
   * its descriptors). A descriptor closed while the directory is read is skipped.
   */
  socketsIn(dir: string, wanted: ReadonlySet<number>): number[] | undefined {
    const held: number[] = [];
    const listed = this.#eachEntry(dir, (name, fd) => {
      const length = Number(this.#libc.readlinkat(fd, name, this.#link, this.#linkSize));
      const inode = socketInode(this.#link, length);
      if (inode !== undefined && wanted.has(inode)) held.push(inode);
    });
    return listed ? held : undefined;
  }

  /**
   * The children of every thread in `taskDir` (the `/proc/PID/task` of process `pid`), from
   * each thread's `children` file; undefined when the directory cannot be read (the process
   * exited).
   *
   * A process of one thread (most of a sandbox's: shells, curl) has its children in
   * `task/PID/children` alone: the directory's link count (2 + its threads, as procfs sets
   * it) says so with one `statx`, where listing it costs an open, a `getdents64` and a close.
   * A leader that exited before its other threads still counts until the last one ends, so a
   * count of one thread is always the leader, the one entry a listing would have shown.
   */
  childrenIn(taskDir: string, pid: number): number[] | undefined {
    const threads = this.#threadCount(taskDir);
    if (threads === 0) return undefined;
    const children: number[] = [];
    if (threads === 1) {
      const path = this.#encode(`${taskDir}/${pid}/children`);
      const file = path === undefined ? -1 : this.#libc.open(path, O_CLOEXEC);
      // Unreadable now: the process exited after the statx, with no children left to count.
      if (file >= 0) this.#readNumbers(file, children);
      return children;
    }
    const listed = this.#eachEntry(taskDir, (name, fd) => {
      const relative = this.#childrenPath(name);
      const file = relative === undefined ? -1 : this.#libc.openat(fd, relative, O_CLOEXEC);
      // A thread that ended meanwhile has no children left to count.
      if (file >= 0) this.#readNumbers(file, children);
    });
    return listed ? children : undefined;
  }

  /** The entries of `dir` whose names are numbers (pids, in `/proc`); undefined if unreadable. */
  numberedIn(dir: string): number[] | undefined {
    const numbers: number[] = [];
    const listed = this.#eachEntry(dir, (name) => {
      const number = entryNumber(name);
      if (number !== undefined) numbers.push(number);
    });
    return listed ? numbers : undefined;
  }

  /** The text of a small procfs file such as `/proc/PID/stat`; undefined when unreadable. */
  readText(path: string): string | undefined {
    const encoded = this.#encode(path);
    const fd = encoded === undefined ? -1 : this.#libc.open(encoded, O_CLOEXEC);
    if (fd < 0) return undefined;
    try {
      const length = Number(this.#libc.read(fd, this.#text, this.#textSize));
      // A stat line is far shorter than the buffer; a file that fills it is not one we read.
      if (length < 0 || length === this.#text.byteLength) return undefined;
      return this.#decoder.decode(this.#text.subarray(0, length));
    } finally {
      this.#libc.close(fd);
    }
  }

  /**
   * The threads of a process from the link count of its `task` directory: 0 when it cannot
   * be read, undefined when the count is unknown (no `statx` in this libc; the caller lists).
   */
  #threadCount(taskDir: string): number | undefined {
    const statx = this.#libc.statx;
    if (statx === null) return undefined;
    const path = this.#encode(taskDir);
    if (path === undefined) return undefined;
    if (statx(AT_FDCWD, path, 0, STATX_NLINK, this.#statx) !== 0) return 0;
    const view = new DataView(this.#statx.buffer);
    if ((view.getUint32(0, true) & STATX_NLINK) === 0) return undefined;
    return view.getUint32(STATX_NLINK_AT, true) - 2;
  }

  /** `path` NUL-terminated in the reused path buffer; undefined when it does not fit. */
  #encode(path: string): Uint8Array | undefined {
    const { read, written } = this.#encoder.encodeInto(path, this.#path);
    if (read !== path.length || written >= this.#path.byteLength) return undefined;
    this.#path[written] = 0;
    return this.#path;
  }

  /**
   * Open `dir` and call `visit` with each entry's NUL-terminated name (not `.` or `..`), in
   * place, and the open directory's descriptor; false when `dir` cannot be opened.
   */
  #eachEntry(dir: string, visit: (name: Uint8Array, fd: number) => void): boolean {
    const encoded = this.#encode(dir);
    const fd = encoded === undefined
      ? -1
      : this.#libc.open(encoded, O_CLOEXEC | this.#arch.oDirectory);
    if (fd < 0) return false;
    try {
      const entries = this.#entries;
      const view = new DataView(entries.buffer);
      const directory = BigInt(fd);
      const { getdents64 } = this.#arch;
      while (true) {
        const length = Number(
          this.#libc.syscall(getdents64, directory, entries, this.#entriesSize),
        );
        // 0: the end; negative: the directory went away while we read it (an exiting process).
        // Only 0 ends it: a pending signal cuts a call short after any entry (fs/readdir.c),
        // so a short answer with room left is no end (taken for one, lookups under a CPU
        // profiler's signals missed a live holder, 1-4 in 300).
        if (length <= 0) return true;
        for (let at = 0; at < length; at += view.getUint16(at + RECLEN_AT, true)) {
          if (!isDotEntry(entries, at + NAME_AT)) visit(entries.subarray(at + NAME_AT), fd);
        }
      }
    } finally {
      this.#libc.close(fd);
    }
  }

  /** `NAME/children` NUL-terminated, for an entry name that ends with its NUL. */
  #childrenPath(name: Uint8Array): Uint8Array | undefined {
    const end = name.indexOf(0);
    if (end < 0 || end + CHILDREN_SUFFIX.length > this.#relative.byteLength) return undefined;
    this.#relative.set(name.subarray(0, end));
    this.#relative.set(CHILDREN_SUFFIX, end);
    return this.#relative;
  }

  /** Appends the space-separated pids of the open file `fd` to `into`, then closes it. */
  #readNumbers(fd: number, into: number[]): void {
    try {
      let value = -1;
      while (true) {
        const length = Number(this.#libc.read(fd, this.#text, this.#textSize));
        if (length <= 0) break;
        for (let i = 0; i < length; i++) {
          const byte = this.#text[i]!;
          if (byte >= 48 && byte <= 57) value = (value < 0 ? 0 : value * 10) + byte - 48;
          else if (value >= 0) {
            into.push(value);
            value = -1;
          }
        }
        // A seq_file read stops short only at the end or when the next record ("PID ") does
        // not fit in what is left: with room for the longest, the file has ended.
        if (this.#text.byteLength - length >= MAX_CHILD_RECORD) break;
      }
      if (value >= 0) into.push(value);
    } finally {
      this.#libc.close(fd);
    }
  }
}
