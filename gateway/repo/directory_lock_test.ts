import assert from "node:assert/strict";
import { join } from "node:path";
import { withDirectoryLock } from "./mod.ts";

async function git(args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "null" })
    .output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test("withDirectoryLock() keeps its lock file out of a person's `git add .`", async () => {
  const root = await Deno.makeTempDir();
  try {
    await git(["init", "-q"], root);
    const policies = join(root, "policies");
    await Deno.mkdir(policies);
    await Deno.writeTextFile(join(policies, "agent.yaml"), "version: 1\n");
    await withDirectoryLock(policies, () => Promise.resolve());
    await withDirectoryLock(policies, () => Promise.resolve()); // the file exists now
    const untracked = await git(["status", "--porcelain", "--untracked-files=all"], root);
    assert.deepEqual(untracked.trim().split("\n"), ["?? policies/agent.yaml"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("withDirectoryLock() outside a Git work tree locks and writes nothing else", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await withDirectoryLock(dir, () => Promise.resolve(7)), 7);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [".tollgate.lock"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
