/**
 * What pip and the `ws` npm package show of a denial inside `tollgate sandbox run` (the skill names
 * each reading), against the local stand-ins of `toolchain_clients_origin.ts`: `pip download` at
 * its default verbosity of a refused index page (nothing but "from versions: none"; `-vv` is
 * `toolchain_walk_test.ts`), of a refused wheel (the reason phrase) and of a CONNECT refused
 * outright (the reason phrase in its `Retrying` warning), in both modes; and in netns mode, where
 * the transparent path takes it (it reads no proxy variable), the `ws` package allowed, refused
 * (its error names the status only; its `unexpected-response` event gets the reason phrase and the
 * body) and refused at the CONNECT (the TLS connection closes). `ws` is the one `.ci/run` installs
 * under `TOLLGATE_TOOLS/ws`; without it those steps are skipped, said once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { CLIENT_HOSTS, withClientOrigin } from "./toolchain_clients_origin.ts";
import { runScript, type ScriptRun } from "./toolchain_fixtures.ts";

const netns = (await detectIsolation()) === "netns";
if (!netns) console.error("toolchain_readings_test: netns mode skipped: needs network namespaces");
const TOOLS = Deno.env.get("TOLLGATE_TOOLS") ?? "/opt/tollgate-tools";
const WS_MODULES = join(TOOLS, "ws/node_modules");
const hasWs = await Deno.stat(join(WS_MODULES, "ws")).then(() => true, () => false);
if (!hasWs) console.error(`toolchain_readings_test: ws skipped: no ${WS_MODULES}/ws`);

/** pypi.org serves files only (its index is refused), ro.test its index only (its files are). */
const POLICY = `version: 1
network_policies:
  clients:
    endpoints:
      - host: pypi.org
        port: 443
        protocol: rest
        rules: [{ allow: { method: GET, path: "/files/**" } }]
      - host: ro.test
        port: 443
        protocol: rest
        rules: [{ allow: { method: GET, path: "/simple/**" } }]
      - { host: echo.test, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: "/usr/bin/*" }]
  not_these:
    endpoints: [{ host: skip.test, port: 443, tls: skip }]
    binaries: [{ path: /usr/bin/true }]
`;

/** `node ws.js URL [body]`: a WebSocket echo with the `ws` package; `body` reads a refusal. */
const WS_JS = `const WebSocket = require("ws");
const ws = new WebSocket(process.argv[2]);
ws.on("open", () => ws.send("hi"));
ws.on("message", (data) => { console.log(String(data)); ws.close(); });
ws.on("error", (e) => console.log("error", e.message));
ws.on("close", (code) => console.log("close", code));
if (process.argv[3]) {
  ws.on("unexpected-response", (req, res) => {
    let body = "";
    res.on("data", (chunk) => (body += chunk));
    // With this listener the request is the caller's to end (ws leaves it open).
    res.on("end", () => { console.log(res.statusCode, res.statusMessage, body); req.destroy(); });
  });
}
`;

async function copyTree(from: string, to: string): Promise<void> {
  const out = await new Deno.Command("cp", { args: ["-r", from, to] }).output();
  if (!out.success) {
    throw new Error(`cp -r ${from} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

const PIP = "/usr/bin/python3 -m pip download --no-cache-dir --no-deps -d dl --index-url";

function script(isolate: "netns" | "env"): string {
  // Read in both modes: pip takes the proxy variables in both, and in netns mode its only way out
  // is the forwarder. One retry of the refused CONNECT shows its warning; pip's default five
  // back off between them, seconds each run.
  const lines = [
    `step pip_index_denied ${PIP} https://pypi.org/simple/ tgdemo`,
    `step pip_file_denied ${PIP} https://ro.test/simple/ tgdemo`,
    `step pip_connect_refused ${PIP} https://skip.test/simple/ --retries 1 tgdemo`,
  ];
  if (isolate === "netns" && hasWs) {
    lines.push(
      "step ws node ws.js wss://echo.test/ws",
      "step ws_denied node ws.js wss://denied.test/ws",
      "step ws_denied_body node ws.js wss://denied.test/ws body",
      "step ws_connect_refused node ws.js wss://skip.test/ws",
    );
  }
  return `${lines.join("\n")}\nexit 0\n`;
}

async function walk(isolate: "netns" | "env"): Promise<ScriptRun> {
  const work = await Deno.makeTempDir({ prefix: "tg-readings-" });
  try {
    const agent = join(work, "agent");
    await Deno.mkdir(join(work, "origin"));
    await Deno.mkdir(agent);
    await Deno.writeTextFile(join(agent, "ws.js"), WS_JS);
    // A copy beside the script: the sandbox's private /tmp hides a TOLLGATE_TOOLS under /tmp.
    if (hasWs) await copyTree(WS_MODULES, join(agent, "node_modules"));
    let run: ScriptRun | undefined;
    await withClientOrigin(join(work, "origin"), async (origin) => {
      const hosts = [...CLIENT_HOSTS, "skip.test"];
      const options = { policy: POLICY, isolate, script: script(isolate) };
      run = await runScript(agent, { ...options, origin: { ...origin, hosts } });
    });
    return run!;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** The reason phrase of every Tollgate 403. */
const REASON = "403 Forbidden by Tollgate policy, see http://policy\\.local/v1/denials";

function check(run: ScriptRun, isolate: "netns" | "env"): void {
  assert.equal(run.code, 0, run.stderr);
  const { results, out } = run;
  const step = (name: string, code: string, pattern: RegExp) => {
    assert.equal(results[name], code, `${name}: ${out[name]}`);
    assert.match(out[name] ?? "", pattern, `${name}: ${out[name]}`);
  };
  // A refused index page: pip logs its 403 at debug level only; nothing before the last words.
  step("pip_index_denied", "1", /^Looking in indexes: \S+\nERROR: Could not find a version/);
  const file = REASON.replace("403 ", "403 Client Error: ");
  step("pip_file_denied", "1", new RegExp(`because of HTTP error ${file}`));
  const retrying = new RegExp(`^WARNING: Retrying .*Tunnel connection failed: ${REASON}`, "m");
  step("pip_connect_refused", "1", retrying);
  assert.match(out.pip_connect_refused!, /from versions: none/);
  if (isolate === "env" || !hasWs) return;
  step("ws", "0", /^echo hi\nclose 1005$/);
  step("ws_denied", "0", /^error Unexpected server response: 403\nclose 1006$/);
  const body = new RegExp(`^${REASON} and \\S+ \\{"error":"policy_denied".*"CONNECT denied\\.test`);
  step("ws_denied_body", "0", body);
  step("ws_connect_refused", "0", /^error Client network socket disconnected before secure TLS/);
}

Deno.test({
  name: "toolchain readings (netns): pip's refused index, file and CONNECT; the ws package",
  ignore: !netns,
  fn: async () => check(await walk("netns"), "netns"),
});

Deno.test("toolchain readings (env mode): pip's refused index, file and CONNECT", async () =>
  check(await walk("env"), "env"));
