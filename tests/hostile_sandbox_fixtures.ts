/** The real netns sandbox the hostile sandbox tests attack from inside, and its tools. */
import { detectIsolation, runSandbox } from "../proxy/sandbox/mod.ts";
import { baseOptions, withState, withUpstream } from "./sandbox_fixtures.ts";

/** Whether unprivileged user namespaces work here (netns mode). */
export const netnsAvailable = (await detectIsolation()) === "netns";
/** The interpreter the attacks are written for. */
export const PYTHON = "/usr/bin/python3";
/** bubblewrap, which loads the syscall filter. */
export const BWRAP = "/usr/bin/bwrap";
/** Whether `path` exists. */
export const exists = (path: string): Promise<boolean> =>
  Deno.stat(path).then(() => true, () => false);
/** Why the attacks cannot run here (they need user namespaces, python3 and bubblewrap). */
export const hostileSkip: string | undefined =
  netnsAvailable && (await exists(PYTHON)) && (await exists(BWRAP))
    ? undefined
    : "needs user namespaces, python3 and bubblewrap";

/** What a run may change: the command's PATH, and who hears the isolation notice. */
export interface RunExtra {
  /** The command's PATH (the runner looks bwrap up in it). */
  path?: string;
  onIsolated?: (notice: string) => void;
}

/** Run `script` in a netns sandbox whose policy lets `binary` GET upstream.test:PORT. */
export function inSandbox(
  script: string,
  fn: (dir: string, run: (extra?: RunExtra) => Promise<number>) => Promise<void>,
  binary = "/usr/bin/curl",
): Promise<void> {
  return withState((dir) =>
    withUpstream(async (port) => {
      const options = await baseOptions(dir, port, binary);
      const run = (extra: RunExtra = {}) =>
        runSandbox({
          ...options,
          command: ["sh", "-c", script.replaceAll("PORT", String(port))],
          isolation: "netns",
          env: { PATH: extra.path ?? Deno.env.get("PATH") },
          onIsolated: extra.onIsolated,
        });
      await fn(dir, run);
    })
  );
}

/** `name result` lines of `path`, as an object. */
export const results = async (path: string): Promise<Record<string, string>> =>
  Object.fromEntries((await Deno.readTextFile(path)).trim().split("\n").map((l) => l.split(" ")));
