/** The policies, proxy, clean-environment runner and origins the toolchain tests share. */
import { join } from "node:path";
import type { OcsfEvent } from "../proxy/ocsf/mod.ts";
import { CertificateAuthority } from "../proxy/tls/mod.ts";
import { serveGit } from "./remote_git_http.ts";
import { SANDBOX_RUN } from "./sandbox_fixtures.ts";
import { type TestProxy, type TestUpstreams, withTestProxy } from "./support/mod.ts";

/** curl reads api.github.com (L7), wget reaches wget.example.com and skip.example.com (tls: skip). */
export const POLICY = `version: 1
network_policies:
  gh_ro:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
  wget_only:
    endpoints: [{ host: wget.example.com, port: 443 }]
    binaries: [{ path: "/usr/bin/wget" }]
  skipped:
    endpoints: [{ host: skip.example.com, port: 443, tls: skip }]
    binaries: [{ path: "/usr/bin/wget" }]
  local:
    endpoints: [{ host: localhost, port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
`;
/** The hosts the test upstreams serve over HTTPS (and the proxy routes to them). */
export const HTTPS_HOSTS = ["api.github.com", "wget.example.com", "skip.example.com"];

/** Run `run` against a test proxy for `policy` in front of the HTTPS test upstreams. */
export function withProxy(
  run: (proxy: TestProxy, upstreams: TestUpstreams) => Promise<void>,
  policy = POLICY,
): Promise<void> {
  const hosts = { httpsHosts: HTTPS_HOSTS, upstreamHosts: HTTPS_HOSTS };
  return withTestProxy({ policy, ...hosts }, run);
}

/** The denial events (action_id 2) the proxy has recorded. */
export const denials = (proxy: TestProxy): OcsfEvent[] =>
  proxy.events.filter((e) => e.action_id === 2);

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Run a command with only the proxy settings (and the CA) in its environment. */
export async function runClean(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(command, {
    args,
    env: { PATH: "/usr/bin:/bin", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

/** The proxy variables (upper and lower case) a client needs to go through `proxy`. */
export function proxyEnv(proxy: TestProxy): Record<string, string> {
  const url = `http://127.0.0.1:${proxy.port}`;
  return { https_proxy: url, HTTPS_PROXY: url, no_proxy: "", NO_PROXY: "" };
}

/** The python the proxy sees (/usr/bin/python3 is a link to it). */
export const PYTHON = "/usr/bin/python3.11";
/** The real clients the sandbox tests run. */
export const CLIENTS = ["/usr/bin/curl", "/usr/bin/wget", "/usr/bin/node", PYTHON];

/** api.github.com:443 read-only (L7), plain.test:80 read-only (L7), for the real clients. */
export function policyYaml(): string {
  const binaries = CLIENTS.map((path) => `{ path: ${path} }`).join(", ");
  return [
    "version: 1",
    "network_policies:",
    "  gh_ro:",
    "    endpoints:",
    "      - { host: api.github.com, port: 443, protocol: rest, access: read-only }",
    "      - { host: plain.test, port: 80, protocol: rest, access: read-only }",
    `    binaries: [${binaries}]`,
    "",
  ].join("\n");
}

/** A running HTTPS origin of {@linkcode serveOrigin}. */
export interface Origin {
  /** Its port on 127.0.0.1. */
  port: number;
  /** The CA that signed its certificate (the proxy's `--upstream-ca`). */
  caPath: string;
  /** `HOST METHOD PATH` of every request, in order. */
  seen: string[];
  /** Stop it. */
  shutdown: () => Promise<void>;
}

/**
 * Serve `handler` over HTTPS on 127.0.0.1 (port 0) for `hosts`, with a CA of its own made in
 * `dir`: the stand-in for the public origins a sandboxed tool reaches through `--resolve`.
 * `handler` gets the request and its `Host` without the port.
 */
export async function serveOrigin(
  dir: string,
  hosts: string[],
  handler: (request: Request, host: string) => Response | Promise<Response>,
): Promise<Origin> {
  const ca = await CertificateAuthority.loadOrCreate(join(dir, "ca"));
  const caPath = join(dir, "upstream-ca.pem");
  await Deno.writeTextFile(caPath, ca.certPem);
  const leaf = await ca.mintLeaf(hosts);
  const seen: string[] = [];
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: leaf.chainPem,
    key: leaf.keyPem,
    onListen: () => {},
  }, (request) => {
    const url = new URL(request.url);
    const host = (request.headers.get("host") ?? url.host).replace(/:\d+$/, "");
    seen.push(`${host} ${request.method} ${decodeURIComponent(url.pathname)}`);
    return handler(request, host);
  });
  return { port: server.addr.port, caPath, seen, shutdown: () => server.shutdown() };
}

/** A toolchain script's start: `step NAME CMD…` runs CMD into `out/NAME`, `NAME EXIT` to results.txt. */
export const STEP =
  `step() { name=$1; shift; "$@" > "out/$name" 2>&1; echo "$name $?" >> results.txt; }
mkdir -p out
`;

/** Options of {@linkcode runScript}. */
export interface ScriptOptions {
  /** The policy, written as `policies/p.yaml`. */
  policy: string;
  isolate: "netns" | "env";
  /** A `sh -c` script; {@linkcode STEP} is put before it. */
  script: string;
  /** An origin every name of `hosts` (port 443) resolves to, trusted upstream. */
  origin?: { port: number; caPath: string; hosts: readonly string[] };
  /** More `sandbox run` flags, before `--`. */
  args?: string[];
  /** The runner's environment beyond `PATH=/usr/bin:/bin`, `HOME=work`, `NO_COLOR=1`. */
  env?: Record<string, string>;
}

/** What {@linkcode runScript} saw: the runner's exit code and stderr, and each step's. */
export interface ScriptRun {
  code: number;
  stderr: string;
  /** Each step's exit code, by name, as text. */
  results: Record<string, string>;
  /** Each step's output, trimmed, by name. */
  out: Record<string, string>;
}

/** Run `options.script` in `tollgate sandbox run` (the real CLI) in `work`, and read its steps. */
export async function runScript(work: string, options: ScriptOptions): Promise<ScriptRun> {
  await Deno.mkdir(join(work, "policies"), { recursive: true });
  await Deno.writeTextFile(join(work, "policies", "p.yaml"), options.policy);
  const [deno, ...args] = [...SANDBOX_RUN, "--policy", "p", "--isolate", options.isolate];
  args.push("--quiet");
  const origin = options.origin;
  for (const host of origin?.hosts ?? []) {
    args.push("--resolve", `${host}:443:127.0.0.1:${origin!.port}`);
  }
  if (origin) args.push("--upstream-ca", origin.caPath);
  const out = await new Deno.Command(deno!, {
    args: [...args, ...options.args ?? [], "--", "sh", "-c", STEP + options.script],
    cwd: work,
    env: { PATH: "/usr/bin:/bin", HOME: work, NO_COLOR: "1", ...options.env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = await Deno.readTextFile(join(work, "results.txt")).catch(() => "");
  const results: Record<string, string> = {};
  const outputs: Record<string, string> = {};
  for (const line of text.trim().split("\n").filter(Boolean)) {
    const [name = "", code = ""] = line.split(" ");
    results[name] = code;
    outputs[name] = (await Deno.readTextFile(join(work, "out", name))).trim();
  }
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr), results, out: outputs };
}

/** Run `cmd` in `cwd` and return its output, trimmed; its error output says why it failed. */
export async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${text(out.stderr)}`);
  return text(out.stdout).trim();
}

/** Options of {@linkcode serveGitOrigin}. */
export interface GitOriginOptions {
  /** Give `main` one commit (for a clone to bring). */
  seed?: boolean;
  /** Answers first; where it gives nothing, the Git server answers. */
  other?: (request: Request, host: string) => Promise<Response | undefined>;
}

/** A {@linkcode serveOrigin} serving `DIR/repo.git` over Git smart HTTP (pushes allowed). */
export async function serveGitOrigin(
  dir: string,
  hosts: string[],
  options: GitOriginOptions = {},
): Promise<Origin & { repo: string }> {
  const repo = join(dir, "repo.git");
  await run("git", ["init", "-q", "--bare", "-b", "main", repo], dir);
  await run("git", ["config", "http.receivepack", "true"], repo);
  if (options.seed) {
    const who = ["-c", "user.name=Seed", "-c", "user.email=seed@example.test"];
    await run("git", ["init", "-q", "-b", "main", "seed"], dir);
    await run("git", [...who, "commit", "-q", "--allow-empty", "-m", "seed"], join(dir, "seed"));
    await run("git", ["push", "-q", repo, "main"], join(dir, "seed"));
  }
  let gitPort = 0;
  const git = serveGit(dir, { onListen: (port) => (gitPort = port) });
  const origin = await serveOrigin(dir, hosts, async (request, host) => {
    const answer = await options.other?.(request, host);
    if (answer) return answer;
    const url = new URL(request.url);
    const { method, headers, body } = request;
    const target = `http://127.0.0.1:${gitPort}${url.pathname}${url.search}`;
    return await fetch(target, { method, headers, body });
  });
  const shutdown = () => Promise.all([origin.shutdown(), git.shutdown()]).then(() => {});
  return { ...origin, repo, shutdown };
}

/** Which of `programs` (name → path) are installed; each missing one said (`TEST: NAME skipped`). */
export async function installedTools(
  test: string,
  programs: Record<string, string>,
): Promise<Record<string, boolean>> {
  const present: Record<string, boolean> = {};
  for (const [name, path] of Object.entries(programs)) {
    present[name] = await Deno.stat(path).then(() => true, () => false);
    if (!present[name]) console.error(`${test}: ${name} skipped: no ${path}`);
  }
  return present;
}
