/** The upstream, state folder and runSandbox() options the sandbox tests share. */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunSandboxOptions } from "../proxy/sandbox/mod.ts";
import { CertificateAuthority, startProxyService } from "../proxy/mod.ts";

/**
 * The real CLI as a user types it, `deno run -A main.ts sandbox run`, for the tests that start
 * a sandbox from outside (a terminal, a keyring, a checkout).
 */
export const SANDBOX_RUN: readonly string[] = [
  Deno.execPath(),
  "run",
  "-A",
  fileURLToPath(new URL("../main.ts", import.meta.url)),
  "sandbox",
  "run",
];

/** What {@linkcode runSandboxCli} saw: the runner's pid, exit code and decoded output. */
export interface SandboxCliRun {
  pid: number;
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run `sandbox run ARGS` through the real CLI in `cwd`, with `env` over the test's own
 * (`NO_COLOR` set), and wait for it to end. `wrap` runs it under another command (`prlimit`);
 * `pid` is then the wrapper's, which execs the CLI.
 */
export async function runSandboxCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; wrap?: string[] },
): Promise<SandboxCliRun> {
  const [program, ...rest] = [...options.wrap ?? [], ...SANDBOX_RUN, ...args];
  const child = new Deno.Command(program!, {
    args: rest,
    cwd: options.cwd,
    env: { ...options.env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = await child.output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { pid: child.pid, code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** A policy with no rules: what a sandbox test that needs no network starts with. */
export const NO_RULES = "version: 1\nnetwork_policies: {}\n";

/** curl may read api.github.com (L7, read-only). */
export const POLICY_GITHUB_READ_ONLY = [
  "version: 1",
  "network_policies:",
  "  gh_ro:",
  "    endpoints:",
  "      - { host: api.github.com, port: 443, protocol: rest, access: read-only }",
  "    binaries: [{ path: /usr/bin/curl }]",
  "",
].join("\n");

/** A policy letting `binary` read `upstream.test:PORT` (L7, read-only). */
export function policyFor(binary: string, port: number): string {
  return [
    "version: 1",
    "network_policies:",
    "  upstream:",
    "    endpoints:",
    `      - { host: upstream.test, port: ${port}, protocol: rest, access: read-only }`,
    `    binaries: [{ path: ${binary} }]`,
    "",
  ].join("\n");
}

/** Run `fn` with a plain HTTP upstream on 127.0.0.1 answering "hello from upstream". */
export async function withUpstream(fn: (port: number) => Promise<void>): Promise<void> {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("hello from upstream\n"),
  );
  try {
    await fn(server.addr.port);
  } finally {
    await server.shutdown();
  }
}

/** Run `fn` in a fresh temporary folder, removed afterwards. */
export async function withState(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tg-sbx-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** runSandbox() options with the real proxy of `sandbox run` for policy `p.yaml`. */
export async function baseOptions(
  state: string,
  port: number,
  binary = "/usr/bin/curl",
  extra: { policy?: string; resolve?: string[]; upstreamCaFiles?: string[] } = {},
): Promise<Omit<RunSandboxOptions, "command" | "isolation">> {
  const stateDir = join(state, ".tollgate");
  const policiesDir = join(state, "policies");
  await Deno.mkdir(policiesDir, { recursive: true });
  await Deno.writeTextFile(join(policiesDir, "p.yaml"), extra.policy ?? policyFor(binary, port));
  const ca = await CertificateAuthority.loadOrCreate(stateDir);
  return {
    stateDir,
    caPem: ca.certPem,
    readOnly: [policiesDir],
    skillPath: "/tollgate/skills/policy_advisor.md",
    env: { PATH: Deno.env.get("PATH") },
    cwd: state,
    stdio: "null" as const,
    startProxy: () =>
      startProxyService({
        policy: "p",
        policiesDir,
        stateDir,
        ca,
        resolve: extra.resolve ?? [`upstream.test:${port}:127.0.0.1`],
        upstreamCaFiles: extra.upstreamCaFiles,
        skillPath: "/tollgate/skills/policy_advisor.md",
      }),
  };
}

/** What a sandbox run left in `state`: sandbox folders and netns forwarders still running. */
export async function leftovers(state: string): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir(join(state, ".tollgate", "sandboxes"))) {
      found.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const ps = await new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" }).output();
  for (const line of new TextDecoder().decode(ps.stdout).split("\n")) {
    if (line.includes("netns_forwarder.ts") && line.includes(state)) found.push(line);
  }
  return found;
}

/** A PATH with every command of this one but bubblewrap (symbolic links in `dir`). */
export async function pathWithoutBwrap(dir: string): Promise<string> {
  const bin = join(dir, "bin-no-bwrap");
  await Deno.mkdir(bin);
  for (const from of (Deno.env.get("PATH") ?? "").split(":").filter(Boolean)) {
    const entries = await Array.fromAsync(Deno.readDir(from)).catch(() => []);
    for (const entry of entries) {
      if (entry.name === "bwrap") continue;
      await Deno.symlink(join(from, entry.name), join(bin, entry.name)).catch(() => {});
    }
  }
  return bin;
}

/** Resolve after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A python command that connects to the Unix socket at $1, sends "ping" and prints the answer. */
export const UNIX_SOCKET_CLIENT = `import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
    s.sendall(b"ping")
    print("reached:", s.recv(64).decode())
except OSError as error:
    print("refused:", error.strerror)
`;

/** A host Unix socket server at `path` answering "pong from the host"; `close()` stops it. */
export function hostSocket(path: string): { close: () => Promise<void> } {
  const listener = Deno.listen({ transport: "unix", path });
  const serving = (async () => {
    for await (const conn of listener) {
      await conn.read(new Uint8Array(4)).catch(() => null);
      await conn.write(new TextEncoder().encode("pong from the host")).catch(() => 0);
      conn.close();
    }
  })();
  return {
    close: async () => {
      listener.close();
      await serving.catch(() => {});
    },
  };
}
