import assert from "node:assert/strict";
import { looseAncestor, looseParents } from "./_loose_commits.ts";

async function repo() {
  const dir = await Deno.makeTempDir();
  const git = async (...args: string[]) => {
    const out = await new Deno.Command("git", { args, cwd: dir }).output();
    assert(out.success, `git ${args.join(" ")}`);
    return new TextDecoder().decode(out.stdout).trim();
  };
  await git("init", "-q", "-b", "main");
  const commit = async (message: string) => {
    const id = ["-c", "user.name=s", "-c", "user.email=s@s"];
    await git(...id, "commit", "-q", "--allow-empty", "-m", message);
    return await git("rev-parse", "HEAD");
  };
  return { dir, git, commit, objects: `${dir}/.git/objects` };
}

Deno.test("looseAncestor follows every parent of a merge and answers only yes", async () => {
  const { dir, git, commit, objects } = await repo();
  const base = await commit("base");
  await git("checkout", "-q", "-b", "side");
  const side = await commit("side");
  await git("checkout", "-q", "main");
  const main = await commit("main");
  const id = ["-c", "user.name=s", "-c", "user.email=s@s"];
  await git(...id, "merge", "-q", "--no-ff", "-m", "merge", "side");
  const merge = await git("rev-parse", "HEAD");
  assert.deepEqual(await looseParents(objects, merge), [main, side]);
  assert.equal(await looseAncestor(objects, merge, side), true);
  assert.equal(await looseAncestor(objects, merge, base), true);
  // Not an ancestor: the loose objects never say no, git does.
  assert.equal(await looseAncestor(objects, side, main), undefined);
  assert.equal(await looseAncestor(objects, merge, "0".repeat(40)), undefined);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("looseAncestor leaves packed commits and long walks to git", async () => {
  const { dir, git, commit, objects } = await repo();
  const first = await commit("first");
  let tip = first;
  for (let n = 0; n < 40; n++) tip = await commit(`c${n}`);
  // More than 32 commits between: git is asked.
  assert.equal(await looseAncestor(objects, tip, first), undefined);
  const near = await git("rev-parse", "HEAD~2");
  assert.equal(await looseAncestor(objects, tip, near), true);
  await git("gc", "-q");
  assert.equal(await looseParents(objects, tip), undefined);
  assert.equal(await looseAncestor(objects, tip, near), undefined);
  // Not a commit id at all.
  assert.equal(await looseParents(objects, "../../x"), undefined);
  await Deno.remove(dir, { recursive: true });
});
