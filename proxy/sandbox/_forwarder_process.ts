/**
 * How the forwarder process is started and how its readiness is read.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

const FORWARDER = fileURLToPath(new URL("./netns_forwarder.ts", import.meta.url));
const KEPT_ENV = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"];

/** Where the forwarder listens and what it connects to. */
export interface ForwarderTarget {
  socketPath: string;
  port: number;
}

/**
 * `unshare` arguments: a new user (root mapped to us) and network namespace, `lo` brought up
 * (a new namespace starts with it down), then the forwarder with only the permissions it needs.
 */
export function forwarderArgs(options: ForwarderTarget): string[] {
  const { socketPath, port } = options;
  return [
    "--user",
    "--map-root-user",
    "--net",
    "--",
    "sh",
    "-c",
    'ip link set lo up && exec "$@"',
    "tollgate-forwarder",
    Deno.execPath(),
    "run",
    "--no-config",
    "--quiet",
    `--allow-net=127.0.0.1:${port},unix:${socketPath}`,
    `--allow-read=${socketPath}`,
    `--allow-write=${socketPath}`,
    "--allow-run=kill",
    FORWARDER,
    String(port),
    socketPath,
  ];
}

/** The forwarder's environment: only what Deno needs to start. */
export function forwarderEnv(base: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = { RUST_BACKTRACE: "0", NO_COLOR: "1" };
  for (const key of KEPT_ENV) {
    const value = base[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** The forwarder's pid from its `ready PID` line, or an Error when it did not get there. */
export async function readyPid(line: Promise<string>, timeoutMs: number): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("forwarder did not start in time")), timeoutMs);
  });
  try {
    const match = /^ready (\d+)$/.exec(await Promise.race([line, timeout]));
    if (match === null) throw new Error("forwarder exited before it was ready");
    return Number(match[1]);
  } finally {
    clearTimeout(timer);
  }
}
