import assert from "node:assert/strict";
import { join } from "node:path";
import { gitDirsOf, gitGuardPaths } from "./git_guard.ts";

async function git(cwd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", {
    args: [
      "-c",
      "user.name=a",
      "-c",
      "user.email=a@b",
      "-c",
      "protocol.file.allow=always",
      ...args,
    ],
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(out.success, `git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

async function repoWithCommit(dir: string): Promise<void> {
  await git(dir, "init", "-q");
  await Deno.writeTextFile(join(dir, "a.txt"), "a\n");
  await git(dir, "add", ".");
  await git(dir, "commit", "-qm", "a");
}

Deno.test("gitGuardPaths() covers a linked worktree's own and common Git folders", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "tg-guard-" }));
  try {
    const main = join(root, "main");
    await Deno.mkdir(main);
    await repoWithCommit(main);
    await git(main, "worktree", "add", "-q", join(root, "wt"));
    const dirs = await gitDirsOf(join(root, "wt"));
    assert.deepEqual(dirs, [join(main, ".git", "worktrees", "wt"), join(main, ".git")]);
    const paths = await gitGuardPaths(join(root, "wt"));
    assert.ok(paths.includes(join(main, ".git", "config")), paths.join("\n"));
    assert.ok(paths.includes(join(main, ".git", "hooks")), paths.join("\n"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("gitGuardPaths() covers a submodule's config and hooks under modules/", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "tg-guard-" }));
  try {
    const lib = join(root, "lib");
    const app = join(root, "app");
    await Deno.mkdir(lib);
    await Deno.mkdir(app);
    await repoWithCommit(lib);
    await repoWithCommit(app);
    await git(app, "submodule", "add", "-q", lib, "libs/lib");
    const paths = await gitGuardPaths(join(app, "libs", "lib"));
    // From inside the submodule's checkout, its own Git folder; from the top, both.
    assert.deepEqual(paths, [
      join(app, ".git", "modules", "libs", "lib", "config"),
      join(app, ".git", "modules", "libs", "lib", "hooks"),
    ]);
    const top = await gitGuardPaths(app);
    assert.ok(top.includes(join(app, ".git", "modules", "libs", "lib", "config")), top.join("\n"));
    assert.ok(top.includes(join(app, ".git", "config")));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("gitGuardPaths() outside a repository is empty", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tg-guard-" });
  try {
    assert.deepEqual(await gitGuardPaths(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
