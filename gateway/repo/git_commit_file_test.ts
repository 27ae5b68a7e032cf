import assert from "node:assert/strict";
import { gitCommitFile } from "./git_repo.ts";

async function git(dir: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", { args, cwd: dir, stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

async function repo(): Promise<string> {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  await git(dir, "init", "-q");
  await git(dir, "config", "user.name", "T");
  await git(dir, "config", "user.email", "t@example.invalid");
  return dir;
}

const trailers = { "Proposal-Id": "p-20261205T120000-abc123" };

Deno.test("gitCommitFile() commits the text, and answers the short id of the commit", async () => {
  const dir = await repo();
  await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
  const first = await gitCommitFile(dir, { path: "team.yaml", subject: "one", trailers });
  const text = "version: 1\nrevision: 1\n";
  await Deno.writeTextFile(`${dir}/team.yaml`, text);
  const id = await gitCommitFile(dir, { path: "team.yaml", subject: "two", trailers, text });
  assert.equal(id, await git(dir, "rev-parse", "--short", "HEAD"));
  assert.equal(await git(dir, "rev-parse", "--short", "HEAD^"), first);
  assert.equal(await git(dir, "show", "HEAD:team.yaml"), text.trim());
  await Deno.remove(dir, { recursive: true });
});

Deno.test("gitCommitFile() accepts a commit whose only change to the text is its line endings", async () => {
  const dir = await repo();
  // Stored with LF: the blob differs from the CRLF text written, which is still the same text.
  await Deno.writeTextFile(`${dir}/.gitattributes`, "*.yaml text\n");
  const text = "version: 1\r\nrevision: 1\r\n";
  await Deno.writeTextFile(`${dir}/team.yaml`, text);
  await gitCommitFile(dir, { path: "team.yaml", subject: "crlf", trailers, text });
  assert.equal(await git(dir, "show", "HEAD:team.yaml"), "version: 1\nrevision: 1");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("gitCommitFile() rolls a changed text back to the parent, also for the first commit", async () => {
  const dir = await repo();
  await Deno.writeTextFile(`${dir}/.gitattributes`, "*.yaml ident\n");
  await git(dir, "add", ".gitattributes");
  await git(dir, "commit", "-qm", "attributes");
  const parent = await git(dir, "rev-parse", "HEAD");
  const text = "version: 1\n# $Id: planted $\n";
  await Deno.writeTextFile(`${dir}/team.yaml`, text);
  const commit = gitCommitFile(dir, { path: "team.yaml", subject: "ident", trailers, text });
  await assert.rejects(commit, /does not hold the text Tollgate wrote/);
  assert.equal(await git(dir, "rev-parse", "HEAD"), parent);
  assert.equal(await git(dir, "diff", "--cached", "--name-only"), "");
  const first = await repo();
  await Deno.writeTextFile(`${first}/.gitattributes`, "*.yaml ident\n");
  await Deno.writeTextFile(`${first}/team.yaml`, text);
  const root = gitCommitFile(first, { path: "team.yaml", subject: "ident", trailers, text });
  await assert.rejects(root, /does not hold the text Tollgate wrote/);
  assert.equal(await git(first, "rev-parse", "-q", "--verify", "HEAD"), "");
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(first, { recursive: true });
});
