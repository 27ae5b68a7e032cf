import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ProposalStore } from "../gateway/mod.ts";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const EXAMPLE = join(root, "examples/approve_pending.ts");

async function git(cwd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", {
    args: ["-c", "user.name=t", "-c", "user.email=t@t", ...args],
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

function rule(host: string, path: string) {
  return {
    endpoints: [{
      host,
      port: 443,
      protocol: "rest" as const,
      enforcement: "enforce" as const,
      rules: [{ allow: { method: "PUT", path } }],
    }],
    binaries: [{ path: "/usr/bin/curl" }],
  };
}

Deno.test("README: the scripting example is the file the test runs", async () => {
  const readme = await Deno.readTextFile(join(root, "README.md"));
  const example = await Deno.readTextFile(EXAMPLE);
  assert.ok(readme.includes(example.trim()), "README must quote examples/approve_pending.ts");
});

Deno.test("examples/approve_pending.ts approves the clean proposal, leaves the broad one", async () => {
  const dir = await Deno.makeTempDir();
  const policiesDir = join(dir, "policies");
  await Deno.mkdir(policiesDir);
  await Deno.copyFile(join(root, "policies/demo.yaml"), join(policiesDir, "demo.yaml"));
  await git(dir, "init", "-q");
  await git(dir, "add", ".");
  await git(dir, "commit", "-q", "-m", "start");
  const store = new ProposalStore({ policiesDir });
  const submit = async (ruleName: string, host: string, path: string) => {
    const result = await store.submit({
      policy: "demo",
      ruleName,
      rule: rule(host, path),
      rationale: "test",
    });
    assert.ok(result.accepted);
    return result.proposal.id;
  };
  const clean = await submit("put_notes", "api.github.com", "/repos/o/r/contents/notes.md");
  const broad = await submit("put_anything", "*.github.com", "/**");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", EXAMPLE, policiesDir, "demo"],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  try {
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(text, /^proxy for "demo" on 127\.0\.0\.1:\d+$/m);
    assert.match(text, new RegExp(`^approved ${clean}: revision 1$`, "m"));
    assert.match(text, new RegExp(`^left for a person: ${broad}$`, "m"));
    assert.match(
      await Deno.readTextFile(join(policiesDir, "demo.yaml")),
      /^# tollgate-revision: 1$/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
