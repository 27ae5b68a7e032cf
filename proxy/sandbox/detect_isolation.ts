/**
 * Which isolation this machine offers: a private network namespace (the real boundary) or
 * environment variables only (cooperative clients only).
 *
 * @module
 */

import { PID_NAMESPACE_SHELL } from "./_command_setup.ts";
import { netnsRemembered, rememberNetns } from "./netns_probe_cache.ts";

/** How a sandboxed command is kept to the proxy. */
export type Isolation = "netns" | "env";

/** What the user asked for: `auto` takes the strongest isolation that works here. */
export type IsolateMode = "auto" | Isolation;

/** The exact steps netns mode needs, run once in a throw-away namespace. */
const PROBE_SCRIPT = [
  "ip link set lo up",
  "setpriv --bounding-set=-all --inh-caps=-all --ambient-caps=-all --no-new-privs true",
  "command -v nsenter >/dev/null",
  // The command's nice (see _command_setup.ts).
  "command -v nice >/dev/null",
  // The command's process and nice limits (see sandbox_limits.ts).
  "prlimit --pid $$ --nproc >/dev/null",
  // The command gets a pseudo-terminal instance of its own (see _command_setup.ts).
  "mount -t devpts -o newinstance,ptmxmode=0666 tollgate-probe /dev/pts",
].join(" && ");

/** Options of {@linkcode probeNetns} and {@linkcode detectIsolation}. */
export interface ProbeOptions {
  /** `PATH` the namespace tools are looked up in (the command's); the runner's by default. */
  path?: string;
}

/**
 * Why netns mode cannot work here, or undefined when it can. Runs the same tools the sandbox
 * uses (`unshare` for a user, network, PID and mount namespace, `ip` to bring `lo` up — a new
 * network namespace starts with it down — `setpriv`, `nsenter`) on `true`; about 10 ms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { probeNetns } from "./detect_isolation.ts";
 *
 * const reason = await probeNetns(); // undefined where user namespaces work
 * assert.ok(reason === undefined || reason.length > 0);
 * const missing = await probeNetns({ path: "/nonexistent" });
 * assert.equal(missing, "unshare (util-linux) is not installed");
 * ```
 */
export async function probeNetns(options: ProbeOptions = {}): Promise<string | undefined> {
  const args = ["--user", "--map-root-user", "--net", ...PID_NAMESPACE_SHELL, PROBE_SCRIPT];
  try {
    const env = options.path === undefined ? undefined : { PATH: options.path };
    const command = new Deno.Command("unshare", { args, env, stdin: "null", stdout: "null" });
    const result = await command.output();
    if (result.success) return undefined;
    const line = new TextDecoder().decode(result.stderr).trim().split("\n")[0];
    return line || `namespace probe exited with status ${result.code}`;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "unshare (util-linux) is not installed";
    return error instanceof Error ? error.message.split("\n")[0]! : String(error);
  }
}

/**
 * `netns` when a private network namespace works on this machine, else `env`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectIsolation } from "./detect_isolation.ts";
 *
 * assert.ok(["netns", "env"].includes(await detectIsolation())); // "netns" on Debian
 * assert.equal(await detectIsolation({ path: "/nonexistent" }), "env"); // no unshare found
 * ```
 */
export async function detectIsolation(options: ProbeOptions = {}): Promise<Isolation> {
  return (await probeNetns(options)) === undefined ? "netns" : "env";
}

/** The isolation chosen for a run, and why it is weaker than asked for, if it is. */
export interface IsolationChoice {
  /** What the run gets. */
  isolation: Isolation;
  /** Set when `auto` fell back to `env`: why a network namespace is unavailable here. */
  fallbackReason?: string;
  /**
   * Set when netns was taken from the state directory's remembered answer, not probed: should
   * the run fail to start, `forgetNetns()` it (see `netns_probe_cache.ts`).
   */
  remembered?: boolean;
}

/** Options of {@linkcode chooseIsolation}. */
export interface ChooseOptions extends ProbeOptions {
  /**
   * Tollgate's state directory: a yes of the probe is kept there and the probe skipped while
   * what decides it stays the same (needs `path`; see `netnsRemembered()`).
   */
  stateDir?: string;
}

/**
 * Resolve what the user asked for: `auto` takes netns when it works and otherwise falls back
 * to env with the reason (the caller warns with it); `netns` insists; `env` obeys. Given
 * `stateDir` and `path`, a yes is remembered there and the probe skipped next time.
 *
 * @throws {Error} `netns` asked for on a machine where it cannot work, with the reason
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseIsolation } from "./detect_isolation.ts";
 * assert.deepEqual(await chooseIsolation("env"), { isolation: "env" }); // env obeys, no probe
 * const { isolation, fallbackReason } = await chooseIsolation("auto");
 * assert(isolation === "netns" ? fallbackReason === undefined : fallbackReason !== undefined);
 * ```
 */
export async function chooseIsolation(
  mode: IsolateMode,
  options: ChooseOptions = {},
): Promise<IsolationChoice> {
  if (mode === "env") return { isolation: "env" };
  const { stateDir, path } = options;
  const keep = stateDir !== undefined && path !== undefined;
  if (keep && await netnsRemembered(stateDir, path)) {
    return { isolation: "netns", remembered: true };
  }
  const reason = await probeNetns(options);
  if (reason === undefined) {
    if (keep) await rememberNetns(stateDir, path);
    return { isolation: "netns" };
  }
  if (mode === "netns") throw new Error(`Cannot isolate with a network namespace: ${reason}`);
  return { isolation: "env", fallbackReason: reason };
}
