/**
 * The proposal check on a binary the sandbox itself can write. Identity is the executable's
 * path, so a rule for `/tmp/tools/curl` (or a glob such as `/**\/curl` that reaches one) is a
 * rule for any program the agent copies there, while the reviewer reads "curl".
 *
 * @module
 */

import { globsOverlap, type Policy } from "../../proxy/policy/mod.ts";
import type { Finding } from "../../proxy/policy_local/mod.ts";
import { visibleText } from "../repo/mod.ts";

/**
 * Where a sandboxed command can write whatever the policy says: temporary folders, per-user
 * runtime folders and home folders (a command without a `filesystem_policy` has the runner's).
 */
const WRITABLE = ["/tmp", "/var/tmp", "/run/user", "/home", "/root"];

/**
 * A `writable_binary` warning when `path` (a path or a glob) names a file under a folder the
 * sandbox can write: the usual ones, one of the policy's `filesystem_policy.read_write`, or the
 * proposing sandbox's working directory (`workdir`, as its proxy named it) when the policy has
 * `include_workdir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writableBinaryFinding } from "./_writable_binary.ts";
 * const policy = { version: 1 as const, revision: 0, network_policies: {} };
 * assert.equal(writableBinaryFinding("/tmp/curl", policy)?.code, "writable_binary");
 * assert.equal(writableBinaryFinding("/usr/bin/curl", policy), undefined);
 * const withWorkdir = { ...policy, filesystem_policy: { include_workdir: true } };
 * assert.equal(writableBinaryFinding("/srv/p/curl", withWorkdir, "/srv/p")?.code, "writable_binary");
 * assert.equal(writableBinaryFinding("/srv/p/curl", policy, "/srv/p"), undefined);
 * ```
 */
export function writableBinaryFinding(
  path: string,
  policy: Policy,
  workdir?: string,
): Finding | undefined {
  const fs = policy.filesystem_policy;
  const own = (fs?.read_write ?? [])
    .filter((p) => p.startsWith("/") && !/[*?[\]{}]/.test(p))
    .map((p) => p.replace(/\/+$/, ""));
  const dirs = [...WRITABLE, ...own];
  // A working directory whose name holds glob characters cannot be matched as a folder: every
  // binary of the sandbox is then read as possibly its own (`/` reaches all).
  if (fs?.include_workdir && workdir?.startsWith("/")) {
    dirs.push(/[*?[\]{}]/.test(workdir) ? "" : workdir.replace(/\/+$/, ""));
  }
  const dir = dirs.find((d) => globsOverlap(path, `${d}/**`));
  if (dir === undefined) return undefined;
  const where = dir === workdir?.replace(/\/+$/, "") ? "the sandbox's working directory " : "";
  return {
    code: "writable_binary",
    severity: "warn",
    message:
      `binary ${visibleText(path, 200)} can be a file under ${where}${
        visibleText(dir || "/", 200)
      }, which the sandbox can write: any program the agent puts there gets this rule; name the ` +
      "program where the sandbox cannot write",
  };
}
