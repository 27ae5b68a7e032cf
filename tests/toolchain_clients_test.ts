/**
 * More of an agent's clients inside `tollgate sandbox run` (netns and env mode), against local
 * stand-ins (`toolchain_clients_origin.ts`), each allowed and denied: `gh repo view` (GraphQL)
 * with `GH_HOST`, and a mutation a `protocol: graphql` endpoint refuses; Node 24 `fetch` and
 * `https.get` (`NODE_USE_ENV_PROXY`, and `--use-env-proxy`); Python `requests`, `httpx`,
 * `aiohttp` (`trust_env`) and websocket-client over wss; `npm audit` and `npm publish`; `pip
 * download --index-url`; `go get` through `GOPROXY`; in netns mode also the clients that read
 * no proxy variable: Python `websockets` 10 and `nghttp`/`h2load`. And what each tool shows of
 * a refusal it cannot read the body of (the skill names these): a CONNECT refused outright (a
 * `tls: skip` host) in git, wget and Node's `fetch`, and a refused handshake in Node's global
 * `WebSocket`. A tool that is not installed is skipped, said once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import {
  CLIENT_HOSTS,
  CLIENTS_PY,
  GO_MODULE,
  HTTPS_GET,
  NODE24,
  NODE_WEBSOCKET,
  PRESENT,
  withClientOrigin,
} from "./toolchain_clients_origin.ts";
import { runScript, type ScriptRun } from "./toolchain_fixtures.ts";
import { CLIENT_SCRIPTS } from "./toolchain_registries.ts";

const netns = (await detectIsolation()) === "netns";
if (!netns) console.error("toolchain_clients_test: netns mode skipped: needs network namespaces");
const missing = Object.keys(PRESENT).filter((name) => !PRESENT[name]);
if (missing.length > 0) console.error(`toolchain_clients_test: not installed, skipped: ${missing}`);

const POLICY = `version: 1
network_policies:
  clients:
    endpoints:
      - host: registry.npmjs.org
        port: 443
        protocol: rest
        rules:
          - allow: { method: GET, path: "/**" }
          - allow: { method: POST, path: "/-/npm/v1/security/advisories/bulk" }
          - allow: { method: PUT, path: "/tgpub" }
      - { host: ghe.test, port: 443, protocol: rest, access: read-only }
      - host: ghe.test
        port: 443
        path: /api/graphql
        protocol: graphql
        rules: [{ allow: { operation_type: query } }]
      - { host: ro.test, port: 443, protocol: rest, access: read-only }
      - { host: pypi.org, port: 443, protocol: rest, access: read-only }
      - { host: goproxy.test, port: 443, protocol: rest, access: read-only }
      - { host: echo.test, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: "/usr/bin/*" }, { path: "/usr/lib/go-*/bin/go" }, { path: "${NODE24}" }]
  not_these:
    endpoints: [{ host: skip.test, port: 443, tls: skip }]
    binaries: [{ path: /usr/bin/true }]
`;

function script(isolate: "netns" | "env"): string {
  const lines: string[] = [];
  const add = (tool: string, ...steps: string[]) => PRESENT[tool] && lines.push(...steps);
  add(
    "gh",
    "step gh_view env GH_HOST=ghe.test gh repo view o/r --json name,description",
    "step gh_view_denied env GH_HOST=ro.test gh repo view o/r --json name,description",
    "step gh_mutation_denied env GH_HOST=ghe.test gh api graphql -f " +
      "query='mutation { deleteRepository(input: {}) { clientMutationId } }'",
  );
  add(
    "node24",
    `step node24 ${NODE24} fetch.mjs https://echo.test/node24`,
    `step node24_denied ${NODE24} fetch.mjs https://echo.test/node24 POST`,
    `step node24_https ${NODE24} -e '${HTTPS_GET}' https://echo.test/https`,
    `step node24_flag env -u NODE_USE_ENV_PROXY ${NODE24} --use-env-proxy fetch.mjs ` +
      "https://echo.test/flag",
    `step node24_ws ${NODE24} -e "${NODE_WEBSOCKET}" wss://echo.test/ws`,
    `step node24_ws_denied ${NODE24} -e "${NODE_WEBSOCKET}" wss://denied.test/ws`,
    // A CONNECT refused outright (a tls: skip host): all Node's fetch says of it.
    `step node24_connect_refused ${NODE24} fetch.mjs https://skip.test/x`,
  );
  // What the other tools show of a refused CONNECT: the skill names each.
  lines.push(
    "step git_connect_refused git ls-remote https://skip.test/o/r.git",
    "step wget_connect_refused wget -O - https://skip.test/x",
  );
  for (const lib of ["requests", "httpx", "aiohttp"]) {
    add(
      lib,
      `step ${lib} /usr/bin/python3 clients.py ${lib} https://echo.test/${lib} GET`,
      `step ${lib}_denied /usr/bin/python3 clients.py ${lib} https://echo.test/${lib} POST`,
    );
  }
  add(
    "websocket",
    "step websocket /usr/bin/python3 clients.py websocket wss://echo.test/ws GET",
    "step websocket_denied /usr/bin/python3 clients.py websocket wss://denied.test/ws GET",
  );
  lines.push(
    'mkdir np pub pub2 && echo \'{"name":"agent","version":"1.0.0"}\' > np/package.json',
    "step npm_audit sh -c 'cd np && npm install -s --no-audit --no-fund tgdemo && npm audit'",
    "step npm_audit_denied sh -c 'cd np && npm audit --registry https://ro.test/'",
    "echo '//registry.npmjs.org/:_authToken=not-a-secret' | tee pub/.npmrc > pub2/.npmrc",
    `echo '{"name":"tgpub","version":"1.0.0"}' > pub/package.json`,
    `echo '{"name":"tgother","version":"1.0.0"}' > pub2/package.json`,
    "step npm_publish sh -c 'cd pub && npm publish'",
    "step npm_publish_denied sh -c 'cd pub2 && npm publish'",
    "step pip_download sh -c '/usr/bin/python3 -m pip download -q --no-cache-dir --no-deps " +
      "-d dl --index-url https://pypi.org/simple/ tgdemo && ls dl'",
  );
  const go = `env GOPROXY=https://goproxy.test GOSUMDB=off GOFLAGS=-modcacherw`;
  add(
    "go",
    "mkdir gomod && (cd gomod && go mod init agent) 2>/dev/null",
    `step go_get sh -c 'cd gomod && ${go} go get ${GO_MODULE}@v0.1.0 && grep tgdemo go.mod'`,
    `step go_denied sh -c 'cd gomod && ${go} GOPROXY=https://denied.test ` +
      `GOMODCACHE=$PWD/../gm2 go get ${GO_MODULE}@v0.1.0'`,
  );
  if (isolate === "netns") {
    // These read no proxy variable: only transparent mode takes them through the policy.
    add(
      "websockets",
      "step websockets /usr/bin/python3 clients.py websockets wss://echo.test/ws GET",
      "step websockets_denied /usr/bin/python3 clients.py websockets wss://denied.test/ws GET",
    );
    add(
      "nghttp",
      "step nghttp nghttp https://echo.test/nghttp",
      "step nghttp_denied nghttp -H ':method: DELETE' https://echo.test/nghttp",
      "step h2load h2load -n 2 https://echo.test/h2load",
    );
  }
  return `${lines.join("\n")}\nexit 0\n`;
}

async function walk(isolate: "netns" | "env"): Promise<ScriptRun> {
  const work = await Deno.makeTempDir({ prefix: "tg-clients-" });
  try {
    const agent = join(work, "agent");
    await Deno.mkdir(join(work, "origin"));
    await Deno.mkdir(agent);
    await Deno.writeTextFile(join(agent, "fetch.mjs"), CLIENT_SCRIPTS["fetch.mjs"]!);
    await Deno.writeTextFile(join(agent, "clients.py"), CLIENTS_PY);
    let run: ScriptRun | undefined;
    await withClientOrigin(join(work, "origin"), async (origin) => {
      run = await runScript(agent, {
        policy: POLICY,
        isolate,
        script: script(isolate),
        origin: { ...origin, hosts: CLIENT_HOSTS },
        args: ["--env", "GH_ENTERPRISE_TOKEN=not-a-secret"],
      });
    });
    return run!;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** The denial's `message`, as gh, Octokit and git-lfs print it. */
const MESSAGE = (rule: string) => new RegExp(`Tollgate policy denied ${rule} for /`);
/** The reason phrase, all that npm, go and websocket-client print of a refusal's status. */
const REASON = /403 Forbidden by Tollgate policy, see http:\/\/policy\.local\/v1\/denials/;

function check(run: ScriptRun, isolate: "netns" | "env"): void {
  assert.equal(run.code, 0, run.stderr);
  const { results, out } = run;
  const ok = (name: string, pattern: RegExp) => {
    assert.equal(results[name], "0", `${name}: ${out[name]}`);
    assert.match(out[name] ?? "", pattern, name);
  };
  const denied = (name: string, pattern: RegExp, exit = true) => {
    if (exit) assert.notEqual(results[name], "0", `${name}: ${out[name]}`);
    assert.match(out[name] ?? "", pattern, `${name}: ${out[name]}`);
  };
  const echo = (path: string) =>
    new RegExp(`^200 \\{"host":"echo\\.test","method":"GET","path":"${path}"\\}$`);
  const body403 = (path: string) =>
    new RegExp(`^403 \\{"error":"policy_denied".*"rule":"POST ${path}"`);
  if (PRESENT.gh) {
    ok("gh_view", /"description":"graphql ok"/);
    const gh = "Tollgate policy denied POST /api/graphql for /usr/bin/gh: ";
    denied("gh_view_denied", new RegExp(`^HTTP 403: ${gh}POST /api/graphql not permitted`));
    // A graphql endpoint judges the operation: gh prints the body, then its message.
    const mutation = "GraphQL operation not permitted by policy: mutation \\{ deleteRepository \\}";
    denied("gh_mutation_denied", new RegExp(`gh: ${gh}${mutation}`));
  }
  if (PRESENT.node24) {
    // NODE_USE_ENV_PROXY=1 from the sandbox: fetch and the global https agent take the proxy.
    ok("node24", echo("/node24"));
    ok("node24_flag", echo("/flag"));
    ok("node24_https", /^200$/);
    denied("node24_denied", body403("/node24"), false);
    ok("node24_ws", /^echo hi\nclose 1005$/);
    denied("node24_ws_denied", /^error event\nclose 1006$/, false);
    denied("node24_connect_refused", /Proxy response \(403\) !== 200 when HTTP Tunneling/);
  }
  denied("git_connect_refused", /CONNECT tunnel failed, response 403$/);
  denied("wget_connect_refused", /Proxy tunneling failed: Forbidden by Tollgate policy, see /);
  for (const lib of ["requests", "httpx", "aiohttp"].filter((lib) => PRESENT[lib])) {
    ok(lib, echo(`/${lib}`));
    denied(`${lib}_denied`, body403(`/${lib}`), false);
    denied(`${lib}_denied`, MESSAGE(`POST /${lib}`), false);
  }
  if (PRESENT.websocket) {
    ok("websocket", /^echo hi$/);
    denied("websocket_denied", /Handshake status 403 Forbidden by Tollgate policy/);
  }
  ok("npm_audit", /found 0 vulnerabilities/);
  denied("npm_audit_denied", REASON);
  denied("npm_audit_denied", MESSAGE("POST /-/npm/v1/security/advisories/bulk"));
  ok("npm_publish", /^\+ tgpub@1\.0\.0$/m);
  denied(
    "npm_publish_denied",
    /E403\n.*403 Forbidden by Tollgate policy.* - PUT https:\/\/registry\.npmjs\.org\/tgother/,
  );
  ok("pip_download", /^tgdemo-0\.1-py3-none-any\.whl$/);
  if (PRESENT.go) {
    ok("go_get", /^require example\.test\/tgdemo v0\.1\.0/m);
    denied("go_denied", new RegExp(`reading https://denied\\.test/.*: ${REASON.source}`));
  }
  if (isolate !== "netns") return;
  if (PRESENT.websockets) {
    ok("websockets", /^echo hi$/);
    denied("websockets_denied", /server rejected WebSocket connection: HTTP 403/);
  }
  if (PRESENT.nghttp) {
    ok("nghttp", /^\{"host":"echo\.test","method":"GET","path":"\/nghttp"\}$/);
    denied("nghttp_denied", /^\{"error":"policy_denied".*"rule":"DELETE \/nghttp"/, false);
    ok("h2load", /^status codes: 2 2xx, 0 3xx, 0 4xx, 0 5xx$/m);
  }
}

Deno.test({
  name:
    "toolchain clients (netns): gh GraphQL, Node 24 fetch, requests/httpx/aiohttp, websockets, npm audit and publish, pip download, go get, nghttp",
  ignore: !netns,
  fn: async () => check(await walk("netns"), "netns"),
});

Deno.test("toolchain clients (env mode): the same clients through the proxy variables", async () =>
  check(await walk("env"), "env"));
