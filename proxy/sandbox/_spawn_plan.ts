/**
 * What a netns launch spawns in the sandbox namespaces, and with which confinement: the file
 * binds, the host's IPC endpoints to cover, the confine step, the sandbox's own /tmp, the gate.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fileBinds } from "./_file_binds.ts";
import { hostIpc } from "./host_ipc.ts";
import { planRules } from "./filesystem_plan.ts";
import {
  hiddenByPrivateTmp,
  ownsTmp,
  privateTmp,
  realPathOf,
  type TmpPath,
} from "./private_tmp.ts";
import { gitGuardPaths } from "./git_guard.ts";
import { confineStep } from "./confine_step.ts";
import { stdioTerminals } from "./stdio_terminals.ts";
import { type LaunchSpec, stdioOf } from "./_launch.ts";
import type { NetnsSpawnOptions, SyscallFilterFiles } from "./netns_sandbox.ts";
import { syscallFilter } from "./syscall_filter.ts";
import { GATE_FD } from "./_setup_script.ts";
import { makeFifo, openLibc } from "./_libc.ts";
import { SYSTEM_PERL } from "./_confine_perl.ts";

/** What the command is spawned as in the namespace, and with which confinement. */
export async function spawnPlan(
  spec: LaunchSpec,
): Promise<{ command: string[]; options: NetnsSpawnOptions }> {
  // Independent of one another, and each mostly waiting on the filesystem: at once.
  const [binds, ipc, guarded, syscallFilterFiles] = await Promise.all([
    fileBinds(spec),
    hostIpc({ keep: [spec.cwd, spec.stateDir] }),
    confinedGitGuard(spec),
    writeSyscallFilter(spec),
  ]);
  // Tollgate's own files stay readable under a filesystem_policy: the CA, the skill, DNS.
  const shown = [spec.publicDir, ...binds.map((bind) => bind.target)]
    .filter((path) => !spec.hideFiles?.includes(path));
  const env = spec.env(`http://127.0.0.1:${spec.innerPort}`);
  // The command waits there until the forwarder listens (see NetnsSpawnOptions.gate).
  const gate = join(spec.sandboxDir, "gate");
  makeGate(gate);
  // Read-write under a filesystem_policy: the terminal the command holds open already, and
  // /dev/shm once it is the sandbox's own empty tmpfs (Python's multiprocessing needs it).
  const ownShm = ipc.privateDirs.flatMap((dir) => dir.path === "/dev/shm" ? [dir.path] : []);
  // And its own pseudo-terminal instance (the setup script mounts one over the host's).
  const terminals = [...(spec.stdio === "inherit" ? stdioTerminals() : []), ...OWN_PTYS];
  // Without bubblewrap the step loads the syscall filter itself; in Perl where there is one.
  const plain = { command: spec.command, env };
  const perl = existsSync(SYSTEM_PERL) ? SYSTEM_PERL : undefined;
  const spawned = confineStep(spec.filesystem, plain, {
    workdir: spec.cwd,
    shown,
    writable: [...terminals, ...ownShm],
    runnerEnv: spec.baseEnv,
    syscallFilter: spec.bwrap === undefined ? syscallFilter(Deno.build.arch) : undefined,
    gateFd: GATE_FD,
    limits: spec.limits,
    perl,
  });
  const tmp = sandboxTmp(spec, spawned.env);
  // A host socket in the host's /tmp is out of sight already: one mount fewer each.
  const outOfTmp = (path: string) => !tmp || !hiddenByPrivateTmp(path, tmp);
  const sockets = ipc.sockets.filter(outOfTmp);
  const sandboxFolders = ipc.sandboxFolders?.filter(outOfTmp);
  return {
    command: spawned.command,
    options: {
      env: spawned.env,
      cwd: spec.cwd,
      hide: spec.stateDir,
      reveal: spec.publicDir,
      readOnly: [...spec.readOnly, ...guarded],
      binds,
      syscallFilter: syscallFilterFiles,
      hostIpc: { ...ipc, sockets, sandboxFolders },
      privateTmp: tmp,
      mountTable: join(spec.sandboxDir, "mounts.fstab"),
      gate,
      // The confine step, when there is one, waits itself (it starts meanwhile too) and
      // takes the command's bounds itself.
      confineStep: spawned !== plain,
      hideDirs: spec.hideDirs,
      limits: spec.limits,
      ...stdioOf(spec.stdio),
    },
  };
}

/**
 * The sandbox's own /tmp under a `filesystem_policy` (see `privateTmp()`), and the host paths
 * below it the command or the launch still needs: the working and state directories, the fresh
 * HOME and cache, what the confine step runs from (Deno, its cache, this folder), the paths the
 * policy lists; `TMPDIR` gets an empty folder. Undefined: the host's /tmp.
 */
function sandboxTmp(spec: LaunchSpec, env: Record<string, string>): TmpPath[] | undefined {
  const rules = planRules(spec.filesystem, spec.cwd, []);
  const [cwd, stateDir] = [spec.cwd, spec.stateDir].map(realPathOf);
  if (!ownsTmp(spec.filesystem, [cwd!, stateDir!]) || rules === undefined) return undefined;
  const kept = [env.DENO_DIR ?? ""].filter((path) => path !== "");
  const step = [Deno.execPath(), dirname(fileURLToPath(import.meta.url))];
  return privateTmp({
    rules,
    kept: [cwd!, stateDir!, ...kept.map(realPathOf)],
    keptReadOnly: step.map(realPathOf),
    tmpdir: env.TMPDIR,
    copied: (spec.ownDirs ?? []).map(realPathOf),
  });
}

/** Make the gate's FIFO through libc: a mkfifo(1) process took a few ms of every start. */
function makeGate(path: string): void {
  const libc = openLibc(["mkfifo", "__errno_location", "strerror"]);
  try {
    makeFifo(libc.symbols, path, 0o600);
  } catch (error) {
    throw new Error(`Cannot make the sandbox's gate: ${(error as Error).message}`);
  } finally {
    libc.close();
  }
}

/** The sandbox's own pseudo-terminals: new ones (`/dev/ptmx`) and their ends (`/dev/pts`). */
const OWN_PTYS = ["/dev/ptmx", "/dev/pts"];

/**
 * Under a `filesystem_policy` the working directory is writable: its repository's config and
 * hooks are read-only (`gitGuardPaths()`). Without one the command has the user's files, its
 * global git config included, so guarding these would close nothing.
 */
async function confinedGitGuard(spec: LaunchSpec): Promise<string[]> {
  return spec.filesystem.kind === "landlock" ? await gitGuardPaths(spec.cwd) : [];
}

/** Write the compiled filter into the sandbox's directory, for bwrap's `--seccomp 9`. */
async function writeSyscallFilter(spec: LaunchSpec): Promise<SyscallFilterFiles | undefined> {
  if (spec.bwrap === undefined) return undefined;
  const program = join(spec.sandboxDir, "syscall_filter.bpf");
  await Deno.writeFile(program, syscallFilter(Deno.build.arch), { mode: 0o600 });
  return { program, bwrap: spec.bwrap };
}
