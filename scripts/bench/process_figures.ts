/**
 * What the bulk and RSS rows read about a proxy process from /proc: its CPU time, its resident
 * memory, and which process listens on a port (a peer runs under a shell and `timeout`, so its
 * own pid is not at hand).
 *
 * @module
 */

/**
 * CPU seconds (user + system) process `pid` has used so far.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cpuSeconds } from "./process_figures.ts";
 *
 * assert.ok(await cpuSeconds(Deno.pid) >= 0);
 * ```
 */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime (fields 14 and 15), in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * The pid of the process listening on TCP `port` (IPv4), or undefined when none is seen.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findPid } from "./process_figures.ts";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * assert.equal(findPid(listener.addr.port), Deno.pid);
 * listener.close();
 * ```
 */
export function findPid(port: number): number | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const table = Deno.readTextFileSync("/proc/net/tcp").split("\n");
  const inode = table.map((l) => l.trim().split(/\s+/))
    .find((f) => f[1]?.endsWith(`:${hex}`) && f[3] === "0A")?.[9];
  if (inode === undefined) return undefined;
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      for (const fd of Deno.readDirSync(`/proc/${entry.name}/fd`)) {
        const link = Deno.readLinkSync(`/proc/${entry.name}/fd/${fd.name}`);
        if (link === `socket:[${inode}]`) return Number(entry.name);
      }
    } catch {
      // Gone, or not ours to read.
    }
  }
  return undefined;
}

/** A process's resident memory in MB, whole and split (`/proc/PID/status`). */
export interface ResidentMb {
  /** VmRSS: everything resident. */
  rss: number;
  /** RssAnon: the process's own memory (heaps, stacks, buffers). */
  anon: number;
  /** RssFile: mapped files resident, mostly the executable's pages, shared with its siblings. */
  file: number;
}

/**
 * The resident memory of process `pid` in MB, with its private and file-backed parts: a Deno
 * process's file-backed part is mostly the `deno` executable's pages, which every Deno process
 * on the host shares, so the split says how much of the RSS is the proxy's own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readResidentMb } from "./process_figures.ts";
 *
 * const { rss, anon, file } = await readResidentMb(Deno.pid);
 * assert.ok(anon > 0 && file > 0 && Math.abs(rss - anon - file) < 1);
 * ```
 */
export async function readResidentMb(pid: number): Promise<ResidentMb> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const field = (name: string) => {
    const kb = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1];
    if (!kb) throw new Error(`No ${name} for process ${pid}`);
    return Number(kb) / 1024;
  };
  return { rss: field("VmRSS"), anon: field("RssAnon"), file: field("RssFile") };
}

/**
 * The private memory in glibc's main heap (the `[heap]` mapping of `/proc/PID/smaps`) of
 * process `pid`, in MB: where a Deno process keeps its native buffers and TLS state. The rest
 * of its private memory is mostly V8's heap (anonymous mappings of their own), so the split
 * says which of the two grew under load.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readMallocHeapMb, readResidentMb } from "./process_figures.ts";
 *
 * const heap = await readMallocHeapMb(Deno.pid);
 * assert.ok(heap >= 0 && heap < (await readResidentMb(Deno.pid)).anon);
 * ```
 */
export async function readMallocHeapMb(pid: number): Promise<number> {
  const lines = (await Deno.readTextFile(`/proc/${pid}/smaps`)).split("\n");
  const at = lines.findIndex((line) => line.endsWith(" [heap]"));
  if (at === -1) return 0; // no brk heap: everything was mapped on its own
  // The mapping's fields follow its line until the next mapping's.
  for (let i = at + 1; i < lines.length && !/^[0-9a-f]+-/.test(lines[i]!); i++) {
    const kb = /^Anonymous:\s+(\d+) kB/.exec(lines[i]!)?.[1];
    if (kb) return Number(kb) / 1024;
  }
  return 0;
}
