/**
 * The sandbox's files on the host: its private directory under the state directory, the
 * skill copy it reads, and atomic writes.
 *
 * @module
 */

import { join } from "node:path";

/** Write `data` (text or bytes) to `path` through a temporary file and a rename (mode 0644). */
export async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  const options = { mode: 0o644, createNew: true };
  try {
    if (typeof data === "string") await Deno.writeTextFile(temporary, data, options);
    else await Deno.writeFile(temporary, data, options);
    await Deno.chmod(temporary, 0o644);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

/**
 * Copy the skill into `public/skills/` as `policy_advisor.md`, with `policy-advisor/SKILL.md`
 * (OpenShell's second name) pointing at it; returns the first path. A skill file that does not
 * exist is not copied: its path is passed on as given.
 */
export async function writeSkills(publicDir: string, source: string): Promise<string> {
  const text = await Deno.readTextFile(source).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  });
  if (text === undefined) return source;
  const dir = join(publicDir, "skills");
  await Deno.mkdir(join(dir, "policy-advisor"), { recursive: true, mode: 0o755 });
  const path = join(dir, "policy_advisor.md");
  await writeAtomically(path, text);
  await writeAtomically(
    join(dir, "policy-advisor", "SKILL.md"),
    "---\nname: tollgate-policy-advisor\ndescription: Use when a request fails with " +
      "policy_denied, mentions policy.local, or needs a narrow network policy proposal.\n---\n\n" +
      `# Tollgate Policy Advisor\n\nRead \`${path}\` (also at http://policy.local/v1/skill).\n`,
  );
  return path;
}

/** Create `STATE/sandboxes/sb-<random>/` (mode 0700) and return its path. */
export async function createSandboxDir(stateDir: string): Promise<string> {
  const parent = join(stateDir, "sandboxes");
  await Deno.mkdir(parent, { recursive: true, mode: 0o700 });
  const id = `sb-${crypto.randomUUID().slice(0, 8)}`;
  const dir = join(parent, id);
  await Deno.mkdir(dir, { mode: 0o700 });
  return dir;
}
