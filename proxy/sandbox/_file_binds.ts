/**
 * The files a netns sandbox sees over the host's: the CA bundle over the system trust stores,
 * empty files over hidden ones, the skills at OpenShell's path, Chromium's managed policies
 * naming the CA, and in transparent mode its own resolver and hosts files.
 *
 * @module
 */

import { join } from "node:path";
import { browserPolicyBinds } from "./_browser_policies.ts";
import { writeAtomically } from "./_files.ts";
import type { LaunchSpec } from "./_launch.ts";
import type { FileBind } from "./netns_sandbox.ts";
import { TRUST_STORE_FILES } from "./ca_bundle.ts";
import { JAVA_TRUST_STORE_FILES } from "./java_settings.ts";

/**
 * The system trust stores show the CA bundle, so clients with no CA variable (wget's GnuTLS,
 * Go, anything reading the distribution's file) trust the proxy; in transparent mode the
 * resolver is the forwarder's DNS answerer, and `/etc/hosts` names only loopback, so every
 * other name gets a synthetic address that leads back to the proxy.
 */
export async function fileBinds(spec: LaunchSpec): Promise<FileBind[]> {
  const binds = TRUST_STORE_FILES.map((target) => ({ source: spec.caBundlePath, target }));
  // The JVM reads only a key store: its own shared ones show the bundle as one.
  const javaStore = join(spec.publicDir, "ca-bundle.p12");
  binds.push(...JAVA_TRUST_STORE_FILES.map((target) => ({ source: javaStore, target })));
  // An empty file over each hidden one: the policy directory is readable, these never.
  const empty = `${spec.publicDir}/empty`;
  if (spec.hideFiles?.length) await writeAtomically(empty, "");
  binds.push(...(spec.hideFiles ?? []).map((target) => ({ source: empty, target })));
  const skills = join(spec.publicDir, "skills");
  if (await openShellSkillsDir(skills)) binds.push({ source: skills, target: OPENSHELL_SKILLS });
  // Chromium reads neither a CA variable nor the trust stores above: its policy folder.
  const caPem = await Deno.readTextFile(join(spec.publicDir, "tollgate-ca.pem")).catch(() => "");
  if (caPem) binds.push(...await browserPolicyBinds(spec.publicDir, caPem));
  if (spec.capturePorts.length === 0) return binds;
  const resolvConf = `${spec.publicDir}/resolv.conf`;
  const hosts = `${spec.publicDir}/hosts`;
  await writeAtomically(
    resolvConf,
    "# Tollgate sandbox: the DNS answerer of transparent mode\nnameserver 127.0.0.1\n",
  );
  await writeAtomically(hosts, "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n");
  return [...binds, { source: resolvConf, target: "/etc/resolv.conf" }, {
    source: hosts,
    target: "/etc/hosts",
  }];
}

/**
 * Where OpenShell's sandboxes keep the policy-advisor skill: an agent written for OpenShell
 * reads `/etc/openshell/skills/policy_advisor.md` or `.../policy-advisor/SKILL.md`, so the
 * sandbox's copy is shown there too.
 */
const OPENSHELL_SKILLS = "/etc/openshell/skills";

/**
 * Whether the skills can be shown at OpenShell's path: a bind needs a directory to cover, so
 * an empty one is created on the host when missing (it stays empty there); without the right
 * to create it the skill is still at `TOLLGATE_SKILL`.
 */
async function openShellSkillsDir(skills: string): Promise<boolean> {
  if (!(await Deno.stat(skills).then((s) => s.isDirectory, () => false))) return false;
  await Deno.mkdir(OPENSHELL_SKILLS, { recursive: true, mode: 0o755 }).catch(() => {});
  return await Deno.stat(OPENSHELL_SKILLS).then((s) => s.isDirectory, () => false);
}
