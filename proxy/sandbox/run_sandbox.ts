/**
 * Run one command in a sandbox whose only way out is a Tollgate proxy started for it.
 *
 * @module
 */

import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Isolation } from "./detect_isolation.ts";
import { waitForExit } from "./_launch.ts";
import { launchEnv } from "./_launch_env.ts";
import { launchNetns, proxyCapturePorts, startNetns } from "./_launch_netns.ts";
import { createSandboxDir } from "./_files.ts";
import { bridgePathProblem } from "./bridge_path_problem.ts";
import { writePublicFiles } from "./_public_files.ts";
import { commandOutside, findExecutable } from "./_find_executable.ts";
import { planFilesystem, planRules } from "./filesystem_plan.ts";
import { privateDirs } from "./_private_home.ts";
import { ownsTmp, privateTmp, realPathOf } from "./private_tmp.ts";
import { confinedEnv } from "./confined_env.ts";
import { ENV_MODE_WARNING, isolationNotice } from "./isolation_notice.ts";
import { checkPassedEnv, sandboxEnv } from "./sandbox_env.ts";
import { type LimitsInput, sandboxLimits } from "./sandbox_limits.ts";
import type { SandboxProxy } from "./sandbox_proxy.ts";
import { coverable } from "./_within.ts";

/**
 * Options of {@linkcode runSandbox}; in netns mode, its bounds too (4,096 processes, nice 10 and
 * half the machine's memory by default; see `sandboxLimits()`).
 */
export interface RunSandboxOptions extends LimitsInput {
  /** The command and its arguments. */
  command: string[];
  /** Already chosen (see `detectIsolation()`); `env` isolates nothing and says so. */
  isolation: Isolation;
  /** Tollgate's state directory; the sandbox lives in `STATE/sandboxes/<id>/` meanwhile. */
  stateDir: string;
  /**
   * Start the proxy for this sandbox; the runner closes it when the command has ended. `inside`
   * names the skill's path as the command sees it, for the deny bodies' `next_steps`, and
   * whether the command reaches the proxy through the bridge only (netns: its listener idles,
   * see `ProxyServiceOptions.listenerIdle`).
   */
  startProxy: (inside: { skillPath: string; viaBridge: boolean }) => Promise<SandboxProxy>;
  /** The Tollgate CA certificate (PEM) the command must trust. */
  caPem: string;
  /**
   * The policy-advisor skill; defaults to the project's own. The command gets a read-only copy
   * in the sandbox's `public/skills/` (`TOLLGATE_SKILL`), which exists in both modes, where the
   * host checkout may not be visible.
   */
  skillPath?: string;
  /** Directories the command may read but not change in netns mode (the policy directory). */
  readOnly?: string[];
  /** Files that read as empty inside, in netns mode (the org ceiling, auto-approve patterns). */
  hideFiles?: string[];
  /**
   * Folders that read as empty inside, in netns mode: a linked gateway's state on this machine.
   * One holding the working or the state directory, or inside the latter, is left as it is.
   */
  hideDirs?: string[];
  /** The runner's environment; the command gets only its allow-listed names (`sandboxEnv`). */
  env?: Record<string, string | undefined>;
  /** Variables passed in on purpose (`sandbox run --env`); credential names are refused. */
  passEnv?: Record<string, string>;
  /** Working directory of the command. */
  cwd?: string;
  /** Aborting stops the command (SIGTERM, then SIGKILL after `graceMs`). */
  signal?: AbortSignal;
  /** Standard input and output of the command: the runner's, or none. */
  stdio?: "inherit" | "null";
  /** How long an aborted command may take to end after SIGTERM before SIGKILL. */
  graceMs?: number;
  /** The proxy's port as seen inside the network namespace. */
  innerPort?: number;
  /**
   * Transparent mode (netns only): ports whose connections to looked-up names are captured
   * and sent through the proxy. By default the proxy's `policyPorts()`, else 80 and 443;
   * `[]` turns transparent mode off.
   */
  capturePorts?: number[];
  /** One-line notices: the env-mode warning, refused bridge connections, forwarder errors. */
  onLog?: (line: string) => void;
  /** Told once, before the command starts, how it is isolated (netns mode; see `isolationNotice`). */
  onIsolated?: (notice: string) => void;
}

const defaults = {
  skillPath: fileURLToPath(new URL("../../skills/policy_advisor.md", import.meta.url)),
  readOnly: [] as string[],
  stdio: "inherit",
  graceMs: 3_000,
  innerPort: 3128,
} satisfies Partial<RunSandboxOptions>;

/**
 * Start a proxy, run `command` with only that proxy reachable (netns) or with the proxy
 * variables set (env), and return the command's exit status (128 + N for signal N). On the
 * way out — normal exit, `signal` abort, or an error — the command's processes, the
 * forwarder, the bridge socket, the proxy and `STATE/sandboxes/<id>/` are all gone.
 *
 * In netns mode the command runs as root of a private user namespace with no capabilities,
 * in its own PID namespace (when it exits the kernel ends whatever it left behind), with
 * `STATE` hidden under an empty tmpfs apart from the sandbox's CA files, and `readOnly`
 * directories mounted read-only. The module documentation of `proxy/sandbox/mod.ts` tells
 * how the bridge carries identity, why a process inside cannot forge another's, and what
 * netns mode leaves open (Unix sockets on the filesystem, files of the runner's user). In env
 * mode only the command's own processes are stopped: a daemon it forked may outlive it.
 *
 * @throws {Deno.errors.NotFound} When the command is not found.
 * @throws {TypeError} In netns mode, when the state directory is where the forwarder cannot
 *   reach its bridge socket (`bridgePathProblem()`).
 * @throws {Deno.errors.PermissionDenied} When the policy's `filesystem_policy` does not reach
 *   the command (or the sandbox's own `/tmp` hides it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runSandbox } from "./run_sandbox.ts";
 * import { CertificateAuthority } from "../tls/mod.ts";
 * import { startProxyService } from "../proxy_service.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/policies`);
 * await Deno.writeTextFile(`${dir}/policies/demo.yaml`, "version: 1\n");
 * const stateDir = `${dir}/state`;
 * const ca = await CertificateAuthority.loadOrCreate(stateDir);
 * const code = await runSandbox({
 *   command: ["sh", "-c", 'test -n "$HTTPS_PROXY"'],
 *   isolation: "env", // "netns" where unprivileged user namespaces work (see detectIsolation)
 *   stateDir,
 *   startProxy: () =>
 *     startProxyService({
 *       policy: "demo",
 *       policiesDir: `${dir}/policies`,
 *       stateDir,
 *       listen: { hostname: "127.0.0.1", port: 0 },
 *       ca,
 *     }),
 *   caPem: ca.certPem,
 *   stdio: "null",
 * });
 * assert.equal(code, 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runSandbox(options: RunSandboxOptions): Promise<number> {
  const o = { ...defaults, ...options };
  const baseEnv = o.env ?? {};
  const cwd = o.cwd ?? Deno.cwd();
  if (o.command.length === 0) throw new TypeError("No command to run");
  if (findExecutable(o.command[0]!, baseEnv.PATH, cwd) === undefined) {
    throw new Deno.errors.NotFound(`Command "${o.command[0]}" not found`);
  }
  for (const name of Object.keys(o.passEnv ?? {})) {
    const problem = checkPassedEnv(name);
    if (problem !== undefined) throw new TypeError(`Cannot pass ${problem}`);
  }
  const stateDir = resolve(o.stateDir);
  const unreachable = o.isolation === "netns" ? bridgePathProblem(stateDir, cwd) : undefined;
  if (unreachable !== undefined) throw new TypeError(unreachable);
  const sandboxDir = await createSandboxDir(stateDir);
  const cleanups: (() => Promise<void>)[] = [];
  // Its cgroups need nothing else: made while the files and the proxy are.
  const limiting = o.isolation === "netns" ? sandboxLimits(o, basename(sandboxDir)) : undefined;
  limiting?.catch(() => {});
  cleanups.push(async () => await (await limiting)?.remove());
  try {
    // The forwarder's Deno first, the longest step: the rest is made meanwhile (see startNetns).
    const known = o.capturePorts?.filter((port) => port !== o.innerPort);
    const onLog = o.onLog ?? (() => {});
    const started = o.isolation === "netns"
      ? await startNetns({ ...o, sandboxDir, capturePorts: known, baseEnv, onLog })
      : undefined;
    if (started) cleanups.push(() => started.close());
    const publicDir = join(sandboxDir, "public");
    const files = await writePublicFiles(publicDir, { ...o, cacheDir: stateDir });
    const { caBundlePath, skillPath } = files;
    const proxy = await o.startProxy({ skillPath, viaBridge: o.isolation === "netns" });
    cleanups.push(() => proxy.close());
    const capturePorts = known ?? proxyCapturePorts(proxy, o.innerPort);
    started?.serve(proxy, capturePorts);
    // Static sections: read once, as the command starts; a hard_requirement it cannot meet throws.
    const filesystem = o.isolation === "netns"
      ? planFilesystem(proxy.staticSections?.() ?? {})
      : { kind: "none" as const };
    const rules = planRules(filesystem, cwd, []);
    const { home, cache, env: ownEnv } = await privateDirs(rules, baseEnv);
    const ownDirs = [home, cache].filter((dir) => dir !== undefined);
    for (const dir of ownDirs) cleanups.push(() => Deno.remove(dir, { recursive: true }));
    // PATH and TMPDIR cut to what Landlock lets the command use (see confinedEnv()).
    const innerEnv = confinedEnv(home === undefined ? baseEnv : { ...baseEnv, HOME: home }, rules);
    const kept = [cwd, stateDir].map(realPathOf);
    const copied = ownDirs.map(realPathOf);
    const shownTmp = ownsTmp(filesystem, kept) && rules
      ? privateTmp({ rules, kept, copied })
      : undefined;
    const where = { path: baseEnv.PATH, innerPath: innerEnv.PATH, cwd, shownTmp };
    const outside = rules && commandOutside(o.command[0]!, where, rules);
    if (outside) throw new Deno.errors.PermissionDenied(outside);
    const env = (proxyUrl: string) =>
      sandboxEnv({
        ...files,
        proxyUrl,
        baseEnv: innerEnv,
        // A variable the runner passes on purpose wins over the fresh folders'.
        passEnv: { ...ownEnv, ...o.passEnv },
      });
    // bwrap loads the syscall filter; without it, the confine step does (see confineStep()).
    const bwrap = o.isolation === "netns" ? findExecutable("bwrap", baseEnv.PATH, cwd) : undefined;
    const limits = await limiting;
    const spec = {
      ...o,
      hideDirs: coverable(o.hideDirs ?? [], cwd, stateDir),
      ownDirs,
      bwrap,
      filesystem,
      env,
      cwd,
      proxy,
      stateDir,
      sandboxDir,
      publicDir,
      baseEnv,
      caBundlePath,
      capturePorts,
      limits,
      onLog,
    };
    if (o.isolation === "env") o.onLog?.(ENV_MODE_WARNING);
    else {
      o.onIsolated?.(
        isolationNotice(o.innerPort, capturePorts, {
          files: filesystem,
          freshHome: home !== undefined,
          ownTmp: shownTmp !== undefined,
          asRoot: Deno.uid() === 0,
          limits,
        }),
      );
    }
    const launched = started ? await launchNetns(spec, started) : await launchEnv(spec);
    cleanups.push(() => launched.close());
    return await waitForExit(launched, o.signal, o.graceMs);
  } finally {
    // Independent once the command has ended (its namespace's processes die with it): at once.
    await Promise.all(cleanups.map((cleanup) => cleanup().catch(() => {})));
    await Deno.remove(sandboxDir, { recursive: true }).catch(() => {});
  }
}
