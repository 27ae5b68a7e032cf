/**
 * Chromium's trust in the sandbox's CA (netns only). Chromium on Linux reads no CA variable
 * and not the system trust store: only its own root store, the NSS database under
 * `$HOME/.pki/nssdb`, and the enterprise policy `CACertificates` from the managed policy
 * folder. The NSS database is the user's own (a CA put there stays trusted by their browser
 * after the run) and needs `certutil`; the policy folder is shown over the host's in the
 * sandbox's mount namespace only, so nothing of the host changes but an empty folder.
 *
 * @module
 */

import { join } from "node:path";
import { writeAtomically } from "./_files.ts";
import type { FileBind } from "./netns_sandbox.ts";

/**
 * The managed policy folders of Chromium builds (Debian's and Playwright's Chromium read the
 * first, Google Chrome the second), each with the folder whose presence says the browser is
 * installed: the runner creates a missing policy folder only below that one.
 */
const POLICY_DIRS: readonly { installed: string; dir: string }[] = [
  { installed: "/etc/chromium", dir: "/etc/chromium/policies/managed" },
  { installed: "/etc/opt/chrome", dir: "/etc/opt/chrome/policies/managed" },
];

/**
 * One bind per installed browser: a folder under `publicDir` holding the host's own managed
 * policies (an organisation's stay in force) with the CA added to any `CACertificates` they
 * set, and `tollgate-ca.json` setting it. A folder the runner may not create is skipped.
 *
 * @param publicDir The sandbox's public folder (readable by the command).
 * @param caPem The Tollgate CA certificate (PEM).
 */
export async function browserPolicyBinds(publicDir: string, caPem: string): Promise<FileBind[]> {
  const der = caPem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
  const binds: FileBind[] = [];
  for (const [index, { installed, dir }] of POLICY_DIRS.entries()) {
    if (!(await isDir(installed))) continue;
    await Deno.mkdir(dir, { recursive: true, mode: 0o755 }).catch(() => {});
    if (!(await isDir(dir))) continue;
    const source = join(publicDir, `browser-policies-${index}`);
    await Deno.mkdir(source, { recursive: true, mode: 0o755 });
    await copyHostPolicies(dir, source, der);
    await writeAtomically(
      join(source, "tollgate-ca.json"),
      JSON.stringify({ CACertificates: [der] }),
    );
    binds.push({ source, target: dir });
  }
  return binds;
}

const isDir = (path: string) => Deno.stat(path).then((s) => s.isDirectory, () => false);

/** Copy the host's `*.json` policies; where one sets `CACertificates`, add `der` to its list. */
async function copyHostPolicies(dir: string, target: string, der: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".json") || entry.name === "tollgate-ca.json") continue;
    const text = await Deno.readTextFile(join(dir, entry.name)).catch(() => undefined);
    if (text === undefined) continue;
    await writeAtomically(join(target, entry.name), withCa(text, der));
  }
}

/**
 * `text` with `der` in its `CACertificates`, when it is a JSON object setting that list: two
 * files setting one policy do not merge, so the host's list would hide the CA.
 */
function withCa(text: string, der: string): string {
  try {
    const policies = JSON.parse(text);
    if (!Array.isArray(policies?.CACertificates)) return text;
    return JSON.stringify({ ...policies, CACertificates: [...policies.CACertificates, der] });
  } catch {
    return text;
  }
}
