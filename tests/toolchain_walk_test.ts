/**
 * The agent's tools not walked elsewhere, inside `tollgate sandbox run` (netns and env mode)
 * against local stand-ins (`toolchain_walk_origin.ts`): `npm install` of a package with 28
 * dependencies (parallel kept-alive connections, with a reload of the policy in the middle),
 * `pip install -r` of four packages, `git clone --filter=blob:none` then `git fetch` and a lazy
 * blob fetch of that partial clone (protocol v2 over smart HTTP), `gh` with `GH_HOST` naming a
 * GitHub Enterprise-like host, Python `urllib`, Node `https.request` with an agent of its own,
 * and `wget -e use_proxy=on`: each works where the policy allows it and prints a readable
 * denial where it does not.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { SANDBOX_RUN } from "./sandbox_fixtures.ts";
import {
  addCommit,
  NPM_PACKAGES,
  WALK_HOSTS,
  WHEELS,
  withWalkOrigin,
} from "./toolchain_walk_origin.ts";

const netns = (await detectIsolation()) === "netns";
if (!netns) console.error("toolchain_walk_test: netns mode skipped: needs network namespaces");
const GH = await Deno.stat("/usr/bin/gh").then(() => true, () => false);

const policy = (revision: number) =>
  `version: 1
revision: ${revision}
network_policies:
  walk:
    endpoints:
      - { host: registry.npmjs.org, port: 443, protocol: rest, access: read-only }
      - { host: pypi.org, port: 443, protocol: rest, access: read-only }
      - { host: github.com, port: 443, protocol: rest, access: full }
      - { host: ghe.test, port: 443, protocol: rest, access: read-only }
      - { host: echo.test, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: "/usr/bin/*" }, { path: "/usr/lib/git-core/*" }]
${
    revision > 1
      ? `  later:\n    endpoints: [{ host: later.test, port: 443 }]\n    binaries: [{ path: /usr/bin/curl }]\n`
      : ""
  }`;

const HTTPS_AGENT = `const https = require("node:https");
const [url, method = "GET"] = process.argv.slice(2);
const agent = new https.Agent({ keepAlive: true });
const req = https.request(url, { method, agent }, (res) => {
  let body = ""; res.on("data", (d) => (body += d));
  res.on("end", () => { console.log(res.statusCode, body); agent.destroy(); });
});
req.on("error", (e) => { console.log("error", e.code || e.message); process.exitCode = 1; });
req.end();`;

const URLLIB = `import sys, urllib.request, urllib.error
request = urllib.request.Request(sys.argv[1], method=sys.argv[2], data=b"{}" if sys.argv[2] != "GET" else None)
try: print(urllib.request.urlopen(request).status)
except urllib.error.HTTPError as e: print(e.code, e.read().decode())`;

const SCRIPT = `
step() { name=$1; shift; "$@" > "out/$name" 2>&1; echo "$name $?" >> results.txt; }
mkdir out np && echo '{"name":"agent","version":"1.0.0"}' > np/package.json
step npm sh -c 'cd np && npm install --no-audit --no-fund tgwalk && node -p "require(\\"tgw-dep-23\\")"'
step npm_denied sh -c 'cd np && npm install --no-audit --fetch-retries 0 --registry https://denied.test/ x'
printf '${WHEELS.map((w) => w.replace("_", "-")).join("\\n")}\\n' > requirements.txt
step pip /usr/bin/python3 -m pip install -q --no-cache-dir --target pylib -r requirements.txt
step pip_import sh -c 'PYTHONPATH=pylib /usr/bin/python3 -c "import tgw_d; print(tgw_d.VALUE)"'
# pip logs a refused index page at -vv only ("Could not fetch URL"), whatever refused it.
step pip_denied /usr/bin/python3 -m pip download -vv --no-cache-dir --index-url https://denied.test/simple/ tgw-a
step git_clone git clone -q --filter=blob:none https://github.com/repo.git partial
step add_commit curl -sS https://echo.test/add-commit
step git_fetch git -C partial fetch -q
step git_blob git -C partial show origin/main:later
step git_v2 git -C partial config --get remote.origin.promisor
step git_denied git ls-remote https://denied.test/repo.git
step py_get /usr/bin/python3 urllib_client.py https://echo.test/py GET
step py_denied /usr/bin/python3 urllib_client.py https://echo.test/py POST
step node_agent node agent.js https://echo.test/node
step node_agent_denied node agent.js https://echo.test/node DELETE
step wget wget -e use_proxy=on -e "https_proxy=$HTTPS_PROXY" -q -O - https://echo.test/wget
step wget_denied wget -e use_proxy=on -e "https_proxy=$HTTPS_PROXY" -O - --method=DELETE https://echo.test/wget
if [ -x /usr/bin/gh ]; then
  step gh env GH_HOST=ghe.test gh api /repos/o/r
  step gh_denied env GH_HOST=ghe.test gh api -X DELETE /repos/o/r
fi
exit 0
`;

interface Outcome {
  code: number;
  stderr: string;
  results: Record<string, string>;
  out: (name: string) => Promise<string>;
  seen: string[];
  /** Policy revisions the sandbox's proxy loaded (OCSF CONFIG:LOADED), in order. */
  loaded: number[];
}

async function walk(isolate: "netns" | "env"): Promise<Outcome> {
  const work = await Deno.makeTempDir({ prefix: "tg-walk-" });
  const policyFile = join(work, "policies", "p.yaml");
  try {
    await Deno.mkdir(join(work, "policies"));
    await Deno.writeTextFile(policyFile, policy(1));
    await Deno.writeTextFile(join(work, "agent.js"), HTTPS_AGENT);
    await Deno.writeTextFile(join(work, "urllib_client.py"), URLLIB);
    // The user's npm trusts the system store alone (as a corporate CA setup does): npm then
    // reads no NODE_EXTRA_CA_CERTS.
    await Deno.writeTextFile(join(work, ".npmrc"), "cafile=/etc/ssl/certs/ca-certificates.crt\n");
    const originDir = await Deno.makeTempDir({ dir: work, prefix: "up-" });
    let outcome: Outcome | undefined;
    // In the middle of npm's packuments, a reload (a rule added elsewhere) while its
    // connections are kept alive; the commit a fetch brings, when the agent asks for it.
    const onRequest = async (key: string) => {
      if (key === "registry.npmjs.org GET /tgw-dep-12") {
        await Deno.writeTextFile(`${policyFile}.tmp`, policy(2));
        await Deno.rename(`${policyFile}.tmp`, policyFile);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      if (key === "echo.test GET /add-commit") await addCommit(originDir, "later commit");
    };
    await withWalkOrigin(originDir, async (origin) => {
      const [deno, ...args] = [...SANDBOX_RUN, "--policy", "p", "--isolate", isolate, "--quiet"];
      for (const host of WALK_HOSTS) args.push("--resolve", `${host}:443:127.0.0.1:${origin.port}`);
      args.push("--upstream-ca", origin.caPath, "--env", "GH_ENTERPRISE_TOKEN=not-a-secret");
      const out = await new Deno.Command(deno!, {
        args: [...args, "--", "sh", "-c", SCRIPT],
        cwd: work,
        env: { PATH: "/usr/bin:/bin", HOME: work, NO_COLOR: "1" },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = await Deno.readTextFile(join(work, "results.txt")).catch(() => "");
      const results = Object.fromEntries(text.trim().split("\n").map((line) => line.split(" ")));
      const outputs: Record<string, string> = {};
      for (const name of Object.keys(results)) {
        outputs[name] = (await Deno.readTextFile(join(work, "out", name))).trim();
      }
      const logs = join(work, ".tollgate", "logs");
      const loaded: number[] = [];
      for await (const entry of Deno.readDir(logs)) {
        if (!entry.name.startsWith("ocsf.")) continue;
        for (const line of (await Deno.readTextFile(join(logs, entry.name))).split("\n")) {
          const event = line ? JSON.parse(line) : undefined;
          if (event?.unmapped?.config_state === "LOADED") {
            loaded.push(event.unmapped.policy_version);
          }
        }
      }
      outcome = {
        loaded,
        code: out.code,
        stderr: new TextDecoder().decode(out.stderr),
        results,
        out: (name) => Promise.resolve(outputs[name] ?? ""),
        seen: [...origin.seen],
      };
    }, onRequest);
    return outcome!;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

async function check(o: Outcome, isolate: "netns" | "env"): Promise<void> {
  const debug = Deno.env.get("WALK_DEBUG");
  if (debug) {
    let text = `${o.seen.join("\n")}\n`;
    for (const name of Object.keys(o.results)) {
      text += `== ${name} ${o.results[name]}\n${await o.out(name)}\n`;
    }
    await Deno.writeTextFile(`${debug}-${isolate}.txt`, text);
  }
  assert.equal(o.code, 0, o.stderr);
  const ok = ["npm", "pip", "pip_import", "git_clone", "add_commit", "git_fetch", "git_blob"];
  ok.push("git_v2", "py_get", "py_denied", "wget", ...(GH ? ["gh"] : []));
  // Node's https with an agent of its own ignores the proxy variables: captured in netns
  // mode only (env mode stops nothing, README "Env mode").
  if (isolate === "netns") ok.push("node_agent", "node_agent_denied");
  for (const name of ok) assert.equal(o.results[name], "0", `${name}: ${await o.out(name)}`);
  const denied = ["npm_denied", "pip_denied", "git_denied", "wget_denied"];
  for (const name of [...denied, ...(GH ? ["gh_denied"] : [])]) {
    assert.notEqual(o.results[name], "0", `${name}: ${await o.out(name)}`);
  }
  // npm: 29 packages over kept-alive connections, a reload (revision 2) in the middle.
  assert.match(await o.out("npm"), /^added 29 packages in .*\ntgw-dep-23$/);
  for (const name of NPM_PACKAGES) {
    assert.ok(o.seen.includes(`registry.npmjs.org GET /${name}/-/${name}-1.0.0.tgz`), name);
  }
  assert.deepEqual(o.loaded, [1, 2]);
  assert.equal(await o.out("pip_import"), "tgw_d ok");
  for (const wheel of WHEELS) {
    assert.ok(o.seen.includes(`pypi.org GET /files/${wheel}-0.1-py3-none-any.whl`));
  }
  // The partial clone fetched no blob until one was read; protocol v2 throughout.
  assert.equal(await o.out("git_v2"), "true");
  assert.equal(await o.out("git_blob"), "later commit");
  assert.equal(await o.out("py_get"), "200");
  const denial = (text: string) =>
    JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1));
  assert.equal(denial(await o.out("py_denied")).binary, "/usr/bin/python3.11");
  assert.match(await o.out("wget"), /"path":"\/wget"/);
  // Each denial in the tool's own output, naming Tollgate.
  assert.match(await o.out("npm_denied"), /403 Forbidden by Tollgate policy/);
  assert.match(
    await o.out("pip_denied"),
    /Could not fetch URL https:\/\/denied\.test\/simple\/tgw-a\/: 403 Client Error: Forbidden by Tollgate policy/,
  );
  assert.match(
    await o.out("git_denied"),
    /^remote: Tollgate policy_denied: CONNECT denied\.test:443/m,
  );
  assert.match(await o.out("wget_denied"), /ERROR 403: Forbidden by Tollgate policy/);
  if (GH) {
    assert.equal(JSON.parse(await o.out("gh")).path, "/api/v3/repos/o/r");
    assert.match(
      await o.out("gh_denied"),
      /gh: Tollgate policy denied DELETE \/api\/v3\/repos\/o\/r/,
    );
  }
  if (isolate === "netns") {
    assert.match(await o.out("node_agent"), /^200 /);
    assert.equal(denial(await o.out("node_agent_denied")).binary, "/usr/bin/node");
  }
  assert.ok(!o.seen.some((key) => / (POST|DELETE) \/(py|node|wget|api)/.test(key)), `${o.seen}`);
}

Deno.test({
  name:
    "toolchain walk (netns): npm, pip -r, partial git clone and fetch, gh with GH_HOST, urllib, node https with an agent, wget use_proxy",
  ignore: !netns,
  fn: async () => await check(await walk("netns"), "netns"),
});

Deno.test("toolchain walk (env mode): the same tools through the proxy variables", async () =>
  await check(await walk("env"), "env"));
