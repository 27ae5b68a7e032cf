/**
 * Peer proxies measured beside Tollgate: Squid and tinyproxy, configured in a temp directory
 * and started on a loopback port when their binaries are installed. Never installs anything.
 *
 * @module
 */

import { join } from "node:path";
import { type ChildProcesses, freePort, waitForPort } from "./child_processes.ts";

/** A peer that runs, or the reason it does not. */
export type PeerStart =
  | {
    ok: true;
    name: string;
    port: number;
    version: string;
    stop(): Promise<void>;
    /** Its access log, read when a transfer through it breaks (Squid's says why). */
    accessLog?: string;
  }
  | { ok: false; name: string; note: string };

/** What a peer config needs to know. */
export interface PeerOptions {
  /** Upstream ports the peer must allow (CONNECT included). */
  upstreamPorts: number[];
  /** A scratch directory the peer may own. */
  dir: string;
  /** Backstop lifetime (`timeout`), on top of the stdin lifeline. */
  maxSeconds: number;
  /** CPUs to run it on (`taskset -c` list). */
  cpus?: string;
}

/**
 * Runs a peer so that it dies with the benchmark: the peer is stopped when our end of the
 * shell's stdin closes (normal stop, or the benchmark was killed) or on SIGTERM; `timeout`
 * bounds its life in any case. Background jobs of `sh` read /dev/null, hence fd 3.
 */
const LIFELINE_SCRIPT = [
  "exec 3<&0",
  '"$@" 3<&- &',
  "pid=$!",
  "trap 'kill $pid 2>/dev/null' TERM INT HUP",
  "( cat <&3 >/dev/null; kill $pid 2>/dev/null ) &",
  "exec 3<&-",
  "wait $pid",
  "wait $pid",
].join("\n");

/** Where the peers' binaries live on Debian. */
export const PEER_BINARIES = { squid: "/usr/sbin/squid", tinyproxy: "/usr/bin/tinyproxy" };

/**
 * Squid's config: forward and CONNECT only to 127.0.0.1 on the upstream ports, no cache, no
 * ICMP pinger, access log to a file (Tollgate writes its OCSF log too).
 *
 * @example
 * ```ts
 * squidConfig({ port: 3128, dir: "/tmp/s", upstreamPorts: [8080] }).includes("http_port");
 * ```
 */
export function squidConfig(o: { port: number; dir: string; upstreamPorts: number[] }): string {
  return [
    `http_port 127.0.0.1:${o.port}`,
    "pinger_enable off",
    "cache deny all",
    "cache_mem 8 MB",
    "shutdown_lifetime 0 seconds",
    `pid_filename ${join(o.dir, "squid.pid")}`,
    `cache_log ${join(o.dir, "cache.log")}`,
    `access_log stdio:${join(o.dir, "access.log")}`,
    `coredump_dir ${o.dir}`,
    "acl localnet src 127.0.0.1/32",
    "acl bench_dst dst 127.0.0.1/32",
    `acl bench_port port ${o.upstreamPorts.join(" ")}`,
    "http_access allow localnet bench_dst bench_port",
    "http_access deny all",
    "",
  ].join("\n");
}

/**
 * tinyproxy's config: loopback only, CONNECT to the upstream ports, minimal logging.
 *
 * @example
 * ```ts
 * tinyproxyConfig({ port: 8888, dir: "/tmp/t", upstreamPorts: [8443] }).includes("Listen");
 * ```
 */
export function tinyproxyConfig(o: { port: number; dir: string; upstreamPorts: number[] }): string {
  return [
    `Port ${o.port}`,
    "Listen 127.0.0.1",
    "Timeout 600",
    "MaxClients 512",
    "Allow 127.0.0.1",
    "DisableViaHeader Yes",
    "LogLevel Error",
    `LogFile "${join(o.dir, "tinyproxy.log")}"`,
    `PidFile "${join(o.dir, "tinyproxy.pid")}"`,
    ...o.upstreamPorts.map((p) => `ConnectPort ${p}`),
    "",
  ].join("\n");
}

/**
 * Start Squid (`squid -N`, foreground) when installed.
 *
 * @example
 * ```ts ignore
 * // Not run as a doc test: it starts Squid (seconds, as its own user).
 * const squid = await startSquid(children, { upstreamPorts, dir, maxSeconds: 300 });
 * ```
 */
export async function startSquid(children: ChildProcesses, o: PeerOptions): Promise<PeerStart> {
  const binary = PEER_BINARIES.squid;
  if (!(await isExecutable(binary))) {
    return { ok: false, name: "squid", note: `${binary} not installed (apt-get install squid)` };
  }
  const dir = join(o.dir, "squid");
  await Deno.mkdir(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, "squid.conf");
  await Deno.writeTextFile(conf, squidConfig({ port, dir, upstreamPorts: o.upstreamPorts }));
  // Run as root, Squid drops to its "proxy" user, which must own its files.
  await chownToUser(dir, "proxy");
  const started = await launch(
    children,
    { name: "squid", port, binary, args: ["-N", "-f", conf] },
    o,
  );
  return started.ok ? { ...started, accessLog: join(dir, "access.log") } : started;
}

/**
 * Start tinyproxy (`tinyproxy -d`, foreground) when installed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChildProcesses } from "./child_processes.ts";
 * import { startTinyproxy } from "./peer_proxies.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await using children = new ChildProcesses();
 * const tiny = await startTinyproxy(children, { upstreamPorts: [8080], dir, maxSeconds: 60 });
 * assert.ok(tiny.ok ? tiny.port > 0 : /not installed/.test(tiny.note));
 * if (tiny.ok) await tiny.stop();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function startTinyproxy(
  children: ChildProcesses,
  o: PeerOptions,
): Promise<PeerStart> {
  const binary = PEER_BINARIES.tinyproxy;
  if (!(await isExecutable(binary))) {
    return {
      ok: false,
      name: "tinyproxy",
      note: `${binary} not installed (apt-get install tinyproxy)`,
    };
  }
  const dir = join(o.dir, "tinyproxy");
  await Deno.mkdir(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, "tinyproxy.conf");
  await Deno.writeTextFile(conf, tinyproxyConfig({ port, dir, upstreamPorts: o.upstreamPorts }));
  await chownToUser(dir, "nobody");
  return await launch(children, { name: "tinyproxy", port, binary, args: ["-d", "-c", conf] }, o);
}

/** Launch a peer under the lifeline script and wait for its port (for `bump_squid.ts`). */
export async function launch(
  children: ChildProcesses,
  { name, port, binary, args }: { name: string; port: number; binary: string; args: string[] },
  o: PeerOptions,
): Promise<PeerStart> {
  const version = await binaryVersion(binary);
  const command = ["timeout", "-k", "2", String(o.maxSeconds), binary, ...args];
  const { child } = children.spawn("/bin/sh", ["-c", LIFELINE_SCRIPT, name, ...command], {
    name,
    lifeline: true,
    ...(o.cpus ? { cpus: o.cpus } : {}),
  });
  try {
    await waitForPort(port, 15_000, child.exited);
  } catch (error) {
    await child.stop();
    return { ok: false, name, note: `${name} did not start: ${(error as Error).message}` };
  }
  return { ok: true, name, port, version, stop: () => child.stop() };
}

/** True when `path` is an executable file. */
export async function isExecutable(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}

async function binaryVersion(binary: string): Promise<string> {
  try {
    const out = await new Deno.Command(binary, { args: ["-v"], stdout: "piped", stderr: "piped" })
      .output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return /(\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Hand `dir` and its entries to `user` when running as root (peers drop privileges). */
export async function chownToUser(dir: string, user: string): Promise<void> {
  if (Deno.uid() !== 0) return;
  const passwd = await Deno.readTextFile("/etc/passwd").catch(() => "");
  const entry = passwd.split("\n").find((line) => line.startsWith(`${user}:`));
  if (!entry) return;
  const [, , uid, gid] = entry.split(":");
  // The parent temp dir is 0700 root: let the dropped-privilege peer traverse it.
  await Deno.chmod(join(dir, ".."), 0o755);
  for await (const item of Deno.readDir(dir)) {
    await Deno.chown(join(dir, item.name), Number(uid), Number(gid));
  }
  await Deno.chown(dir, Number(uid), Number(gid));
}
