/**
 * The runner's registry of the sandboxes it started (`STATE/runners/<id>.json`): which runner
 * process serves each, and where its credential and session rules live. A runner killed by
 * SIGKILL (or the OOM killer, or a power cut) retires nothing, so its proxy credential and its
 * session rules stayed until their own expiry; the next `sandbox run` (or `proxy --gateway`) on
 * the same state directory retires them, having checked that the runner is gone.
 *
 * The state directory is hidden from a netns sandbox, and a sandbox's id is random (never a pid,
 * never chosen by the command), so no new sandbox can be taken for a dead one.
 *
 * @module
 */

import { join } from "node:path";

/** The runner process, told apart from a later process given the same pid. */
export interface RunnerMark {
  pid: number;
  /** Its start time (`/proc/PID/stat` field 22, clock ticks since boot). */
  started: string;
  /** `/proc/sys/kernel/random/boot_id`: after a reboot every pid is another process. */
  boot: string;
  /** Its pid namespace (`/proc/self/ns/pid`): another one's pids are not ours to look up. */
  ns: string;
}

/** One sandbox a runner started: enrolled at `gateways`, or embedded on `policiesDir`. */
export interface SandboxEntry {
  sandbox: string;
  runner: RunnerMark;
  /** The gateways that enrolled it (its credential and session rules are there). */
  gateways?: readonly string[];
  /** The policies directory of an embedded proxy (its session rules are there). */
  policiesDir?: string;
  /** When a sweep first found the runner gone and could not retire it (ISO time). */
  goneSince?: string;
}

/**
 * How long an entry whose runner is gone is kept while its retirement fails: a gateway gone for
 * good (or one no later run links to) would otherwise keep it, read at every start, for ever.
 */
export const GONE_ENTRY_KEPT_MS = 7 * 86_400_000;

// Beside `STATE/sandboxes/` (the runtime folders, one of which a netns sandbox sees), not in it.
const DIR = "runners";
const ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** This process's mark, or undefined where `/proc` does not tell (then nothing is registered). */
export async function runnerMark(pid = Deno.pid): Promise<RunnerMark | undefined> {
  const [started, boot, ns] = await Promise.all([procStart(pid), bootId(), pidNamespace()]);
  if (started === undefined || boot === undefined || ns === undefined) return undefined;
  return { pid, started, boot, ns };
}

/**
 * Record `entry` (the caller is its runner); the returned function forgets it once its
 * credential and session rules were given back. Never throws: a registry that cannot be written
 * only loses the clean-up after a SIGKILL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { registerSandbox, sweepDeadSandboxes } from "./_sandbox_registry.ts";
 * const state = await Deno.makeTempDir();
 * const forget = await registerSandbox(state, { sandbox: "sb-1", policiesDir: "/p" });
 * const seen: string[] = [];
 * // This process is alive: nothing of its sandbox is retired.
 * await sweepDeadSandboxes(state, (entry) => Promise.resolve(!!seen.push(entry.sandbox)));
 * assert.deepEqual(seen, []);
 * await forget();
 * await Deno.remove(state, { recursive: true });
 * ```
 */
export async function registerSandbox(
  stateDir: string,
  entry: Omit<SandboxEntry, "runner">,
): Promise<() => Promise<void>> {
  const runner = await runnerMark();
  if (runner === undefined || !ID.test(entry.sandbox)) return () => Promise.resolve();
  const path = join(stateDir, DIR, `${entry.sandbox}.json`);
  try {
    await Deno.mkdir(join(stateDir, DIR), { recursive: true, mode: 0o700 });
    await writeEntry(path, { ...entry, runner });
  } catch {
    return () => Promise.resolve();
  }
  return () => Deno.remove(path).catch(() => {});
}

/**
 * Written whole, then renamed: a sweep never reads half an entry. (Not the repository's atomic
 * writer: this module is loaded by every linked proxy, and that one brings Git.)
 */
async function writeEntry(path: string, entry: SandboxEntry): Promise<void> {
  const temp = `${path}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(temp, JSON.stringify(entry) + "\n", { mode: 0o600 });
  await Deno.rename(temp, path);
}

/**
 * Retire each registered sandbox whose runner is gone: `retire(entry)` gives back its
 * credential and session rules (true when done; false keeps it for the next sweep, e.g. its
 * gateway did not answer). A runner still alive, or one `/proc` cannot tell about, is left
 * alone: a wrong "gone" would end a live sandbox's access.
 */
export async function sweepDeadSandboxes(
  stateDir: string,
  retire: (entry: SandboxEntry) => Promise<boolean>,
  now = Date.now(),
): Promise<void> {
  for (const [path, entry] of await entries(join(stateDir, DIR))) {
    if (!await runnerGone(entry.runner)) continue;
    if (await retire(entry).catch(() => false)) {
      await Deno.remove(path).catch(() => {});
      continue;
    }
    const since = Date.parse(entry.goneSince ?? "");
    if (now - since > GONE_ENTRY_KEPT_MS) await Deno.remove(path).catch(() => {});
    else if (Number.isNaN(since)) {
      await writeEntry(path, { ...entry, goneSince: iso(now) }).catch(() => {});
    }
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** True only when the runner is known to be gone (another boot, no such pid, another start). */
async function runnerGone(runner: RunnerMark): Promise<boolean> {
  const [boot, ns] = await Promise.all([bootId(), pidNamespace()]);
  if (boot === undefined) return false;
  if (boot !== runner.boot) return true;
  // A runner in another pid namespace (a container sharing the state directory): its pid means
  // another process here, so it cannot be told gone.
  if (ns === undefined || ns !== runner.ns) return false;
  try {
    return (await procStart(runner.pid, true)) !== runner.started;
  } catch {
    return false;
  }
}

async function entries(dir: string): Promise<[string, SandboxEntry][]> {
  const found: [string, SandboxEntry][] = [];
  try {
    for await (const item of Deno.readDir(dir)) {
      if (!item.isFile || !item.name.endsWith(".json")) continue;
      const path = join(dir, item.name);
      const entry = parseEntry(await Deno.readTextFile(path).catch(() => ""));
      if (entry && `${entry.sandbox}.json` === item.name) found.push([path, entry]);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found;
}

function parseEntry(text: string): SandboxEntry | undefined {
  try {
    const e = JSON.parse(text) as SandboxEntry;
    const r = e?.runner;
    const ok = typeof e.sandbox === "string" && ID.test(e.sandbox) && Number.isInteger(r?.pid) &&
      typeof r.started === "string" && typeof r.boot === "string" && typeof r.ns === "string" &&
      (e.gateways === undefined ||
        (Array.isArray(e.gateways) && e.gateways.every((g) => typeof g === "string"))) &&
      (e.policiesDir === undefined || typeof e.policiesDir === "string") &&
      (e.goneSince === undefined || typeof e.goneSince === "string");
    return ok ? e : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A process's start time from `/proc/PID/stat` (after the command name, which may hold spaces
 * and parentheses); undefined when `/proc` has no such process. With `strict`, any other
 * failure throws (the caller then cannot tell, and keeps the entry).
 */
async function procStart(pid: number, strict = false): Promise<string | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(`/proc/${pid}/stat`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || !strict) return undefined;
    throw error;
  }
  // Fields after ") " start at field 3: the start time (22) is the 20th of them.
  const started = text.slice(text.lastIndexOf(") ") + 2).split(" ")[19];
  return started && /^\d+$/.test(started) ? started : undefined;
}

async function pidNamespace(): Promise<string | undefined> {
  return await Deno.readLink("/proc/self/ns/pid").catch(() => undefined);
}

async function bootId(): Promise<string | undefined> {
  const id = await Deno.readTextFile("/proc/sys/kernel/random/boot_id").catch(() => "");
  return id.trim() || undefined;
}
