/**
 * What a sandbox must not touch of the gateway it is linked to, when that gateway runs on the
 * same machine as the same user: its policy repository and its state. A runner knows only its
 * own `--policies` and `--state`; a sandbox started from another folder (the agent's project)
 * could otherwise edit the gateway's policy file and commit it — the gateway serves what changes
 * on disk, so that was an approval nobody gave — or plant a reviewer credential in its state.
 * The gateway names these paths in its enrolment answer, with their device and inode, and the
 * runner fences each one it sees as the very same file.
 *
 * @module
 */

import { localRemotePath, sandboxFence } from "./sandbox_fence.ts";

/** A path on the gateway's machine, with its device and inode (`stat`) there. */
export interface HostPath {
  /** The absolute real path. */
  path: string;
  /** Its device number. */
  dev: number;
  /** Its inode number. */
  ino: number;
}

/** The gateway's files a sandbox on its machine gets read-only or not at all. */
export interface GatewayFence {
  /** The policy repository (its .git included) and the policies directory. */
  readOnly: HostPath[];
  /** The org ceiling and the auto-approval patterns. */
  hideFiles: HostPath[];
  /**
   * The policies directory (every sandbox's proposals), the repository's git directories and
   * the state directory (its enrolment token, credentials, CA key and logs), and a Git remote
   * on this machine (every gateway serves what its branch holds).
   */
  hideDirs: HostPath[];
}

/** The gateway's fence as a runner applies it: the paths it sees as the gateway's own files. */
export interface LocalFence {
  /** Mounted read-only over themselves. */
  readOnly: string[];
  /** Covered by an empty read-only file. */
  hideFiles: string[];
  /** Covered by an empty tmpfs. */
  hideDirs: string[];
}

/**
 * The fence a gateway on `policiesDir` and `stateDir` sends with each enrolment (paths that do
 * not exist are left out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gatewayFence } from "./gateway_fence.ts";
 * const dir = await Deno.realPath(await Deno.makeTempDir());
 * await Deno.mkdir(`${dir}/policies`);
 * const fence = await gatewayFence(`${dir}/policies`, dir);
 * assert.deepEqual(fence.readOnly.map((p) => p.path), [`${dir}/policies`]);
 * assert.deepEqual(fence.hideDirs.map((p) => p.path), [`${dir}/policies`, dir]);
 * assert.deepEqual(fence.hideFiles, []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function gatewayFence(
  policiesDir: string,
  stateDir: string,
  ceilingFile?: string,
  remoteUrl?: string,
): Promise<GatewayFence> {
  const own = await sandboxFence(await Deno.realPath(policiesDir));
  const files = ceilingFile === undefined ? own.hideFiles : [...own.hideFiles, ceilingFile];
  const remote = remoteUrl === undefined ? undefined : localRemotePath(remoteUrl);
  return {
    readOnly: await hostPaths(own.readOnly),
    hideFiles: await hostPaths(files),
    hideDirs: await hostPaths([...own.hideDirs, stateDir, ...remote ? [remote] : []]),
  };
}

async function hostPaths(paths: string[]): Promise<HostPath[]> {
  const found: HostPath[] = [];
  for (const path of new Set(paths)) {
    const real = await Deno.realPath(path).catch(() => undefined);
    const info = real === undefined ? undefined : await Deno.stat(real);
    if (info?.dev === undefined || info.ino === null) continue;
    found.push({ path: real!, dev: info.dev, ino: info.ino });
  }
  return found;
}

/**
 * The part of a gateway's `fence` that is this machine's: each path whose device and inode here
 * are the ones the gateway sent. A gateway on another machine, or in a container with other
 * files at those paths, fences nothing here. Malformed entries are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gatewayFence, localFence } from "./gateway_fence.ts";
 * const dir = await Deno.realPath(await Deno.makeTempDir());
 * await Deno.mkdir(`${dir}/policies`);
 * const fence = await gatewayFence(`${dir}/policies`, dir);
 * assert.deepEqual((await localFence(fence)).hideDirs, [`${dir}/policies`, dir]);
 * const elsewhere = { ...fence, hideDirs: [{ path: dir, dev: 1, ino: 2 }] };
 * assert.deepEqual((await localFence(elsewhere)).hideDirs, []);
 * assert.deepEqual(await localFence(undefined), { readOnly: [], hideFiles: [], hideDirs: [] });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function localFence(fence: GatewayFence | undefined): Promise<LocalFence> {
  return {
    readOnly: await sameHere(fence?.readOnly),
    hideFiles: await sameHere(fence?.hideFiles),
    hideDirs: await sameHere(fence?.hideDirs),
  };
}

async function sameHere(paths: unknown): Promise<string[]> {
  if (!Array.isArray(paths)) return [];
  const here: string[] = [];
  for (const entry of paths as Partial<HostPath>[]) {
    if (typeof entry?.path !== "string" || !entry.path.startsWith("/")) continue;
    const info = await Deno.stat(entry.path).catch(() => undefined);
    if (info && info.dev === entry.dev && info.ino === entry.ino) here.push(entry.path);
  }
  return here;
}
