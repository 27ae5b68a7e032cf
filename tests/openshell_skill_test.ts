/**
 * Issue #14, item 13: the skill a denied command is pointed to can be read inside its sandbox,
 * in env and netns mode, and at OpenShell's paths under /etc/openshell/skills (test.sh
 * check-skill).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/mod.ts";
import { detectIsolation } from "../proxy/sandbox/mod.ts";

async function sandboxDeny(isolate: "env" | "netns"): Promise<{ path: string; skill: string }> {
  const dir = await Deno.makeTempDir({ prefix: "tg-contract-" });
  try {
    await Deno.mkdir(join(dir, "policies"));
    await Deno.writeTextFile(join(dir, "policies", "p.yaml"), "version: 1\n");
    const out = join(dir, "out");
    await Deno.mkdir(out);
    // Inside the sandbox: take the 403's read_skill path and read that file, as an agent would.
    const script = `curl -sS http://blocked.example/x > "$0/deny.json"; ` +
      `p=$(sed -n 's/.*"action":"read_skill","path":"\\([^"]*\\)".*/\\1/p' "$0/deny.json"); ` +
      `printf %s "$p" > "$0/path.txt"; cat "$p" > "$0/skill.txt"`;
    const env = { PATH: Deno.env.get("PATH"), HOME: dir, NO_COLOR: "1" };
    let err = "";
    const ctx = {
      cwd: dir,
      env,
      out: () => {},
      err: (t: string) => void (err += t),
      isTTY: false,
      signal: new AbortController().signal,
      setExitCode: () => {},
    };
    const args = ["sandbox", "run", "--policy", "p", "--isolate", isolate, "--"];
    assert.equal(await runCli([...args, "sh", "-c", script, out], ctx), 0, err);
    const read = (name: string) => Deno.readTextFile(join(out, name)).catch(() => "");
    return { path: await read("path.txt"), skill: await read("skill.txt") };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const isolate of ["env", "netns"] as const) {
  Deno.test(`openshell #13: in a ${isolate} sandbox, next_steps[0].path names a skill the command can read, not the host checkout (test.sh check-skill)`, async (t) => {
    if (isolate === "netns" && await detectIsolation() !== "netns") {
      return void await t.step({ name: "netns unavailable here", ignore: true, fn: () => {} });
    }
    const shipped = await Deno.readTextFile(
      new URL("../skills/policy_advisor.md", import.meta.url),
    );
    const { path, skill } = await sandboxDeny(isolate);
    assert.ok(path.startsWith("/"), `read_skill path: "${path}"`);
    assert.ok(!path.startsWith(new URL("..", import.meta.url).pathname), path);
    assert.equal(skill, shipped, `the sandbox read ${path}`);
  });
}

Deno.test("openshell #13: in a netns sandbox the skill is also at OpenShell's paths under /etc/openshell/skills", async (t) => {
  if (await detectIsolation() !== "netns") {
    return void await t.step({ name: "netns unavailable here", ignore: true, fn: () => {} });
  }
  const shipped = await Deno.readTextFile(new URL("../skills/policy_advisor.md", import.meta.url));
  const dir = await Deno.makeTempDir({ prefix: "tg-contract-" });
  try {
    await Deno.mkdir(join(dir, "policies"));
    await Deno.writeTextFile(join(dir, "policies", "p.yaml"), "version: 1\n");
    const out = join(dir, "out");
    await Deno.mkdir(out);
    const script = `cat /etc/openshell/skills/policy_advisor.md > "$0/flat.md"; ` +
      `cat /etc/openshell/skills/policy-advisor/SKILL.md > "$0/skill.md"; ` +
      `touch /etc/openshell/skills/x 2> /dev/null && echo writable > "$0/writable"; true`;
    let err = "";
    const ctx = {
      cwd: dir,
      env: { PATH: Deno.env.get("PATH"), HOME: dir, NO_COLOR: "1" },
      out: () => {},
      err: (text: string) => void (err += text),
      isTTY: false,
      signal: new AbortController().signal,
      setExitCode: () => {},
    };
    const args = ["sandbox", "run", "--policy", "p", "--isolate", "netns", "--"];
    assert.equal(await runCli([...args, "sh", "-c", script, out], ctx), 0, err);
    const read = (name: string) => Deno.readTextFile(join(out, name)).catch(() => "");
    assert.equal(await read("flat.md"), shipped);
    assert.match(await read("skill.md"), /^---\nname: tollgate-policy-advisor/);
    assert.equal(await read("writable"), "", "the skills are read-only in the sandbox");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
