/**
 * The agent's real toolchain in a sandbox confined by OpenShell's own `filesystem_policy`
 * (its quickstart's paths), through the real `deno run -A main.ts sandbox run`: node, python,
 * pip, npm, git, wget and gh reach local stand-ins of their registries when allowed, read the
 * structured 403 when not, and fail in their own one line where the policy lists no path. The
 * runner's `PATH` and `TMPDIR` point outside the policy, as a pyenv or a per-user tmp do.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation, probeLandlock } from "../proxy/sandbox/mod.ts";
import {
  CLIENT_SCRIPTS,
  confinedPolicy,
  REGISTRY_HOSTS,
  withRegistries,
} from "./toolchain_registries.ts";
import { SANDBOX_RUN } from "./sandbox_fixtures.ts";

const TOOLS = [
  "/usr/bin/node",
  "/usr/bin/npm",
  "/usr/bin/python3",
  "/usr/bin/git",
  "/usr/bin/wget",
];
const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
const missing = [
  ...((await detectIsolation()) === "netns" ? [] : ["netns"]),
  ...(typeof probeLandlock() === "number" ? [] : ["Landlock"]),
  ...(await Promise.all(TOOLS.map(async (t) => (await exists(t)) ? [] : [t]))).flat(),
];
if (missing.length > 0) {
  console.error(`toolchain_confined_test: skipped: needs ${missing.join(", ")}`);
}
const GH = await exists("/usr/bin/gh");
if (!GH) console.error("toolchain_confined_test: gh is not installed: its step is skipped");

/** Each step writes its output to out/NAME and `NAME STATUS` to results.txt. */
const STEP = `
step() { name=$1; shift; "$@" > "out/$name" 2>&1; echo "$name $?" >> results.txt; }
mkdir out np && echo '{"name":"agent","version":"1.0.0"}' > np/package.json
`;

const SCRIPT = `${STEP}
step node_get node fetch.mjs https://api.github.com/zen
step node_put node fetch.mjs https://api.github.com/repos/o/r PUT
step py_get python3 client.py https://api.github.com/zen GET
step py_put python3 client.py https://api.github.com/repos/o/r PUT
step pip python3 -m pip install -q --user --break-system-packages tgdemo
step pip_import python3 -c 'import tgdemo; print(tgdemo.VALUE)'
step pip_system python3 -m pip install -q --break-system-packages --target /usr/local/tg tgdemo
step npm sh -c 'cd np && npm install --no-audit --no-fund tgdemo && node -p "require(\\"tgdemo\\")"'
step npm_denied sh -c 'cd np && npm install --no-audit --fetch-retries 0 --registry https://denied.test/ x'
step git_clone git clone -q https://github.com/repo.git clone
step git_push sh -c 'cd clone && echo agent > f && git add f && git commit -qm agent && git push -q'
step git_denied git clone -q https://denied.test/repo.git denied
# Node 20 needs the flag for WebSocket; later ones have it without.
step ws sh -c 'node --experimental-websocket ws.mjs wss://api.github.com/ws || node ws.mjs wss://api.github.com/ws'
step ws_denied sh -c 'node --experimental-websocket ws.mjs wss://denied.test/ws || node ws.mjs wss://denied.test/ws'
step h2 node h2.mjs
step wget wget -q -O - https://api.github.com/w
if [ -x /usr/bin/gh ]; then step gh gh api -X PUT /repos/o/r/contents/x -f message=m; fi
step which sh -c 'command -v python3'
step venv sh -c 'python3 -m venv --without-pip venv && venv/bin/python3 -c "print(1)"'
step mktemp mktemp
step multiprocessing python3 -c 'import multiprocessing as m; print(m.Pool(2).map(abs, [-1, -2]))'
exit 0
`;

interface Outcome {
  code: number;
  stderr: string;
  results: Record<string, string>;
  out: (name: string) => Promise<string>;
  seen: string[];
  pushed: string;
}

/** Run `script` confined; with `homeReadOnly` the policy lists the runner's HOME read-only. */
async function run(
  check: (outcome: Outcome) => Promise<void>,
  { homeReadOnly = false, script = SCRIPT } = {},
): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "tg-tc-work-" });
  // Outside /tmp (which every confined sandbox may write): the runner's own files.
  const outside = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "tg-tc-home-" });
  try {
    // A python3 first on the runner's PATH (as ~/.pyenv/shims), a TMPDIR the policy does not list.
    await Deno.mkdir(join(outside, "bin"));
    await Deno.writeTextFile(join(outside, "bin", "python3"), "#!/bin/sh\nexit 3\n", {
      mode: 0o755,
    });
    await Deno.mkdir(join(outside, "tmp"));
    // The runner's ~/.npmrc names another registry: a fresh HOME never reads it, but gets
    // the runner's git identity.
    const identity = "[user]\n\tname = Runner\n\temail = runner@example.test\n";
    await Deno.writeTextFile(join(outside, ".gitconfig"), identity);
    await Deno.writeTextFile(join(outside, ".npmrc"), "registry=https://denied.test/\n");
    await Deno.mkdir(join(work, "policies"));
    await Deno.writeTextFile(
      join(work, "policies", "p.yaml"),
      confinedPolicy(homeReadOnly ? [outside] : []),
    );
    for (const [name, text] of Object.entries(CLIENT_SCRIPTS)) {
      await Deno.writeTextFile(join(work, name), text);
    }
    await withRegistries(await Deno.makeTempDir({ dir: work, prefix: "up-" }), async (up) => {
      const [deno, ...args] = [...SANDBOX_RUN, "--policy", "p", "--isolate", "netns"];
      for (const host of REGISTRY_HOSTS) args.push("--resolve", `${host}:443:127.0.0.1:${up.port}`);
      args.push("--upstream-ca", up.caPath, "--env", "GH_TOKEN=not-a-secret", "--quiet");
      const home = Deno.env.get("HOME");
      const out = await new Deno.Command(deno!, {
        args: [...args, "--", "sh", "-c", script],
        cwd: work,
        env: {
          HOME: outside,
          PATH: `${outside}/bin:/usr/local/bin:/usr/bin:/bin`,
          TMPDIR: join(outside, "tmp"),
          DENO_DIR: Deno.env.get("DENO_DIR") ?? `${home}/.cache/deno`,
          NO_COLOR: "1",
        },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = await Deno.readTextFile(join(work, "results.txt")).catch(() => "");
      const results = Object.fromEntries(text.trim().split("\n").map((line) => line.split(" ")));
      const git = await new Deno.Command("git", {
        args: ["-C", up.repoDir, "log", "-1", "--format=%s by %an", "main"],
        stdout: "piped",
      }).output();
      await check({
        code: out.code,
        stderr: new TextDecoder().decode(out.stderr),
        results,
        out: (name) => Deno.readTextFile(join(work, "out", name)).then((t) => t.trim()),
        seen: up.seen,
        pushed: new TextDecoder().decode(git.stdout).trim(),
      });
    });
  } finally {
    await Deno.remove(work, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
}

Deno.test({
  name:
    "toolchain confined by OpenShell's filesystem_policy: node (fetch, WebSocket, HTTP/2), python, pip, npm, git, wget, gh",
  ignore: missing.length > 0,
  fn: () =>
    run(async (o) => {
      assert.equal(o.code, 0, o.stderr);
      const ok = ["node_get", "node_put", "py_get", "py_put", "pip", "pip_import", "npm"];
      ok.push("git_clone", "git_push", "ws", "h2", "wget", "which", "venv", "mktemp");
      ok.push("multiprocessing");
      for (const name of ok) assert.equal(o.results[name], "0", `${name}: ${await o.out(name)}`);
      assert.match(await o.out("node_get"), /^200 /);
      const denial = (text: string) =>
        JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1));
      assert.equal(denial(await o.out("node_put")).binary, "/usr/bin/node");
      assert.equal(await o.out("py_get"), "200");
      assert.equal(denial(await o.out("py_put")).error, "policy_denied");
      assert.equal(await o.out("pip_import"), "pip ok");
      assert.match(await o.out("npm"), /npm ok$/);
      assert.equal(o.pushed, "agent by Runner");
      assert.match(await o.out("wget"), /"path":"\/w"/);
      assert.equal(await o.out("ws"), "echo hi");
      assert.notEqual(o.results.ws_denied, "0");
      assert.equal(await o.out("h2"), "200 403");
      // Where the policy lists no path, the tool says so in its own words.
      assert.notEqual(o.results.pip_system, "0");
      assert.match(await o.out("pip_system"), /Permission denied/);
      // Denied: npm and git show Tollgate's reason, gh the structured 403 body.
      assert.notEqual(o.results.npm_denied, "0");
      assert.match(await o.out("npm_denied"), /403 Forbidden by Tollgate policy/);
      assert.notEqual(o.results.git_denied, "0");
      assert.match(
        await o.out("git_denied"),
        /^remote: Tollgate policy_denied: CONNECT denied\.test:443/m,
      );
      if (GH) {
        assert.notEqual(o.results.gh, "0");
        assert.equal(denial(await o.out("gh")).binary, "/usr/bin/gh");
      }
      // The runner's PATH entry outside the policy is gone: python3 is the system's.
      assert.equal(await o.out("which"), "/usr/bin/python3");
      assert.match(await o.out("mktemp"), /^\/tmp\/tmp\./);
      // POSIX semaphores live in /dev/shm, the sandbox's own tmpfs.
      assert.equal(await o.out("multiprocessing"), "[1, 2]");
      const registries = o.seen.filter((s) => !s.startsWith("github.com"));
      assert.ok(
        registries.includes("registry.npmjs.org GET /tgdemo/-/tgdemo-1.0.0.tgz"),
        `${registries}`,
      );
      assert.ok(
        registries.includes("pypi.org GET /files/tgdemo-0.1-py3-none-any.whl"),
        `${registries}`,
      );
      assert.ok(!registries.some((s) => s.includes("/repos/o/r ") && !s.includes(" GET ")));
    }),
});

Deno.test({
  name: "toolchain confined with the runner's HOME read-only: npm gets a fresh cache folder",
  ignore: missing.length > 0,
  fn: async () => {
    let cache = "";
    await run(async (o) => {
      assert.equal(o.code, 0, o.stderr);
      // Before: "npm error Your cache folder contains root-owned files ... sudo chown".
      assert.equal(o.results.npm, "0", await o.out("npm"));
      cache = await o.out("cache");
      assert.match(cache, /^\/tmp\/tollgate-cache-/);
      assert.match(await o.out("home"), /^\/var\/tmp\/tg-tc-home-/);
    }, {
      homeReadOnly: true,
      script: `${STEP}
step npm sh -c 'cd np && npm install --no-audit --no-fund --registry https://registry.npmjs.org/ tgdemo'
step cache sh -c 'echo "$XDG_CACHE_HOME"'
step home sh -c 'echo "$HOME"'
`,
    });
    assert.equal(await exists(cache), false, "the cache folder is removed after the run");
  },
});
