/** The real netns sandbox the hostile sandbox tests attack from inside, and its tools. */
import { join } from "node:path";
import { CertificateAuthority, startProxyService } from "../proxy/mod.ts";
import { detectIsolation, runSandbox } from "../proxy/sandbox/mod.ts";

/** Whether unprivileged user namespaces work here (netns mode). */
export const netnsAvailable = (await detectIsolation()) === "netns";
/** The interpreter the attacks are written for. */
export const PYTHON = "/usr/bin/python3";
/** bubblewrap, which loads the syscall filter. */
export const BWRAP = "/usr/bin/bwrap";
/** Whether `path` exists. */
export const exists = (path: string): Promise<boolean> =>
  Deno.stat(path).then(() => true, () => false);

/** What a run may change: the command's PATH, and who hears the isolation notice. */
export interface RunExtra {
  /** The command's PATH (the runner looks bwrap up in it). */
  path?: string;
  onIsolated?: (notice: string) => void;
}

/** Run `script` in a netns sandbox whose policy lets `binary` GET upstream.test:PORT. */
export async function inSandbox(
  script: string,
  fn: (dir: string, run: (extra?: RunExtra) => Promise<number>) => Promise<void>,
  binary = "/usr/bin/curl",
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tg-hostile-sbx-" });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("hello\n"),
  );
  try {
    const stateDir = join(dir, ".tollgate");
    const policiesDir = join(dir, "policies");
    await Deno.mkdir(policiesDir);
    await Deno.writeTextFile(
      join(policiesDir, "p.yaml"),
      `version: 1\nnetwork_policies:\n  up:\n    endpoints:\n      - { host: upstream.test, ` +
        `port: ${server.addr.port}, protocol: rest, access: read-only }\n    binaries: ` +
        `[{ path: ${binary} }]\n`,
    );
    const ca = await CertificateAuthority.loadOrCreate(stateDir);
    const run = (extra: RunExtra = {}) =>
      runSandbox({
        command: ["sh", "-c", script.replaceAll("PORT", String(server.addr.port))],
        isolation: "netns",
        stateDir,
        caPem: ca.certPem,
        readOnly: [policiesDir],
        env: { PATH: extra.path ?? Deno.env.get("PATH") },
        cwd: dir,
        stdio: "null",
        onIsolated: extra.onIsolated,
        startProxy: () =>
          startProxyService({
            policy: "p",
            policiesDir,
            stateDir,
            ca,
            resolve: [`upstream.test:${server.addr.port}:127.0.0.1`],
            skillPath: "/tollgate/skills/policy_advisor.md",
          }),
      });
    await fn(dir, run);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

/** `name result` lines of `path`, as an object. */
export const results = async (path: string): Promise<Record<string, string>> =>
  Object.fromEntries((await Deno.readTextFile(path)).trim().split("\n").map((l) => l.split(" ")));
