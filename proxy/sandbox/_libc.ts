/**
 * The libc functions the sandbox calls through FFI (one table for the folder): Landlock (the
 * kernel's ABI version, restricting the calling thread to a set of paths), a seccomp filter,
 * replacing the process with the command (`execvp`), which inherits both, `fcntl` for the
 * bridge's close-on-exec, `mkfifo` and `read` for the sandbox's gate, and `write` and
 * `setpriority` for the command's cgroups and nice. Linux on x86_64 and aarch64 share the three Landlock syscall numbers.
 *
 * @module
 */

import { type FilesystemRules, landlockAccess } from "./filesystem_rules.ts";

const SYS_CREATE_RULESET = 444n;
const SYS_ADD_RULE = 445n;
const SYS_RESTRICT_SELF = 446n;
const CREATE_RULESET_VERSION = 1n;
const RULE_PATH_BENEATH = 1n;
const PR_SET_NO_NEW_PRIVS = 38;
const PR_SET_SECCOMP = 22;
const SECCOMP_MODE_FILTER = 2;
const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;
const O_DIRECTORY = 0o200000;
const PRIO_PROCESS = 0;

// syscall(2) is variadic and reads each argument as a long: each use gets its own signature,
// every integer 64 bits wide.
const SYMBOLS = {
  create_ruleset: { name: "syscall", parameters: ["i64", "pointer", "i64", "i64"], result: "i64" },
  add_rule: { name: "syscall", parameters: ["i64", "i64", "i64", "pointer", "i64"], result: "i64" },
  restrict_self: { name: "syscall", parameters: ["i64", "i64", "i64"], result: "i64" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  getpriority: { parameters: ["i32", "u32"], result: "i32" },
  setpriority: { parameters: ["i32", "u32", "i32"], result: "i32" },
  prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
  // Variadic in C; the one argument F_SETFD takes is an int.
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  execvp: { parameters: ["buffer", "buffer"], result: "i32" },
  mkfifo: { parameters: ["buffer", "u32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
} as const;

type Symbols = typeof SYMBOLS;
type Libc<K extends keyof Symbols = keyof Symbols> = Deno.DynamicLibrary<
  Pick<Symbols, K>
>["symbols"];
/** What an error's text needs: errno and its message. */
type Errno = "__errno_location" | "strerror";

/**
 * libc, opened once per call site that needs it (the caller closes it): the whole table, or only
 * the functions `names` lists. Deno binds each function it loads: the whole table took 3-8 ms of
 * the runner's thread, a few functions about 1.
 */
export function openLibc<K extends keyof Symbols = keyof Symbols>(
  names?: readonly K[],
): Deno.DynamicLibrary<Pick<Symbols, K>> {
  const table = names === undefined
    ? SYMBOLS
    : Object.fromEntries(names.map((name) => [name, SYMBOLS[name]])) as Pick<Symbols, K>;
  return Deno.dlopen("libc.so.6", table);
}

/** The kernel's Landlock ABI version, or why there is none (`ENOSYS`, `EOPNOTSUPP`, ...). */
export function landlockAbi(libc: Libc<"create_ruleset" | Errno>): number | string {
  const version = libc.create_ruleset(SYS_CREATE_RULESET, null, 0n, CREATE_RULESET_VERSION);
  return version >= 0n ? Number(version) : failure(libc, "Landlock");
}

/**
 * Restrict this thread (and what it executes) to `rules` on a kernel of Landlock ABI `abi`.
 * Returns the paths that do not exist (skipped), or throws with one line on a refusal.
 */
export function restrictSelf(libc: Libc, rules: FilesystemRules, abi: number): string[] {
  const access = landlockAccess(abi);
  // struct landlock_ruleset_attr { __u64 handled_access_fs; } (the ABI 1 prefix).
  const attr = new BigUint64Array([access.handled]);
  const ruleset = Number(
    libc.create_ruleset(SYS_CREATE_RULESET, Deno.UnsafePointer.of(attr), 8n, 0n),
  );
  if (ruleset < 0) throw new Error(failure(libc, "Cannot create a Landlock ruleset"));
  const missing: string[] = [];
  try {
    const lists = [[rules.readOnly, access.readOnly], [rules.readWrite, access.readWrite]] as const;
    for (const [paths, rights] of lists) {
      for (const path of paths) {
        if (!addRule(libc, ruleset, path, rights)) missing.push(path);
      }
    }
    noNewPrivs(libc);
    if (libc.restrict_self(SYS_RESTRICT_SELF, BigInt(ruleset), 0n) < 0) {
      throw new Error(failure(libc, "Cannot apply the Landlock ruleset"));
    }
  } finally {
    libc.close(ruleset);
  }
  return missing;
}

/** Allow `rights` beneath `path`; false when it does not exist. */
function addRule(
  libc: Libc,
  ruleset: number,
  path: string,
  rights: (directory: boolean) => bigint,
): boolean {
  // Deno.statSync would need more than --allow-read for /proc: the kernel tells instead.
  let directory = true;
  let fd = libc.open(cString(path), O_PATH | O_CLOEXEC | O_DIRECTORY);
  if (fd < 0) {
    directory = false;
    fd = libc.open(cString(path), O_PATH | O_CLOEXEC);
  }
  if (fd < 0) return false;
  try {
    // struct landlock_path_beneath_attr { __u64 allowed_access; __s32 parent_fd; } (packed).
    const attr = new DataView(new ArrayBuffer(12));
    attr.setBigUint64(0, rights(directory), true);
    attr.setInt32(8, fd, true);
    const rule = new Uint8Array(attr.buffer);
    const added = libc.add_rule(
      SYS_ADD_RULE,
      BigInt(ruleset),
      RULE_PATH_BENEATH,
      Deno.UnsafePointer.of(rule),
      0n,
    );
    if (added < 0) throw new Error(failure(libc, `Cannot add a Landlock rule for "${path}"`));
    return true;
  } finally {
    libc.close(fd);
  }
}

/**
 * Load the classic-BPF `program` (8-byte `struct sock_filter` entries) as this thread's seccomp
 * filter, which what it executes keeps. Sets no_new_privs first, as the kernel requires.
 */
export function loadSyscallFilter(libc: Libc, program: Uint8Array<ArrayBuffer>): void {
  noNewPrivs(libc);
  // struct sock_fprog { unsigned short len; struct sock_filter *filter; }: 16 bytes on 64-bit.
  const fprog = new DataView(new ArrayBuffer(16));
  fprog.setUint16(0, program.length / 8, true);
  fprog.setBigUint64(8, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(program))), true);
  const address = Deno.UnsafePointer.value(Deno.UnsafePointer.of(new Uint8Array(fprog.buffer)));
  if (libc.prctl(PR_SET_SECCOMP, BigInt(SECCOMP_MODE_FILTER), BigInt(address), 0n, 0n) !== 0) {
    throw new Error(failure(libc, "Cannot load the syscall filter"));
  }
}

/** Set no_new_privs, which Landlock and a seccomp filter both require of an unprivileged caller. */
function noNewPrivs(libc: Libc): void {
  if (libc.prctl(PR_SET_NO_NEW_PRIVS, 1n, 0n, 0n, 0n) !== 0) {
    throw new Error(failure(libc, "Cannot set no_new_privs"));
  }
}

/**
 * Wait for the word `go` on descriptor `fd` (the sandbox's gate, see `NetnsSpawnOptions.gate`),
 * then close it; false when it ends first (the runner closed it without a word).
 */
export function awaitGate(libc: Libc, fd: number): boolean {
  const byte = new Uint8Array(1);
  let word = "";
  while (word.length < 3 && libc.read(fd, byte, 1n) === 1n) word += String.fromCharCode(byte[0]!);
  libc.close(fd);
  return word === "go\n";
}

/**
 * Join the cgroups whose `cgroup.procs` are open on `groupFds` (closing each), then raise this
 * thread's nice to `nice` unless it is higher already (the runner's): what executes next keeps
 * both. Throws with one line when either fails: the command must not start unbounded.
 */
export function takeBounds(libc: Libc, bounds: { nice: number; groupFds: number[] }): void {
  const zero = new TextEncoder().encode("0\n");
  for (const fd of bounds.groupFds) {
    const written = libc.write(fd, zero, BigInt(zero.length));
    if (written !== BigInt(zero.length)) {
      throw new Error(failure(libc, "Cannot join the sandbox's cgroup"));
    }
    libc.close(fd);
  }
  // getpriority() may return -1 as a nice: errno tells a failure.
  const errno = new Int32Array(Deno.UnsafePointerView.getArrayBuffer(libc.__errno_location()!, 4));
  errno[0] = 0;
  const own = libc.getpriority(PRIO_PROCESS, 0);
  if (own === -1 && errno[0] !== 0) throw new Error(failure(libc, "Cannot read the nice"));
  if (own < bounds.nice && libc.setpriority(PRIO_PROCESS, 0, bounds.nice) !== 0) {
    throw new Error(failure(libc, `Cannot set nice ${bounds.nice}`));
  }
}

/** Make a FIFO at `path` (`mode`, less the umask); throws with one line when it cannot. */
export function makeFifo(libc: Libc<"mkfifo" | Errno>, path: string, mode: number): void {
  if (libc.mkfifo(cString(path), mode) !== 0) throw new Error(failure(libc, `mkfifo ${path}`));
}

/** Replace this process with `command` (looked up in PATH); returns only on failure. */
export function execCommand(libc: Libc, command: string[]): { code: number; message: string } {
  const strings = command.map(cString);
  const argv = new BigUint64Array(strings.length + 1);
  strings.forEach((s, i) => (argv[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(s)))));
  libc.execvp(strings[0]!, new Uint8Array(argv.buffer));
  const errno = currentErrno(libc);
  return { code: errno === 2 ? 127 : 126, message: describeErrno(libc, errno) };
}

function cString(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${text}\0`) as Uint8Array<ArrayBuffer>;
}

function currentErrno(libc: Libc<Errno>): number {
  return new Deno.UnsafePointerView(libc.__errno_location()!).getInt32();
}

function describeErrno(libc: Libc<Errno>, errno: number): string {
  const text = libc.strerror(errno);
  return text === null ? `errno ${errno}` : Deno.UnsafePointerView.getCString(text);
}

function failure(libc: Libc<Errno>, what: string): string {
  return `${what}: ${describeErrno(libc, currentErrno(libc))}`;
}
