/**
 * Local stand-ins for what an agent's package managers and git reach, behind one HTTPS server
 * on 127.0.0.1 (port 0) with its own CA: an npm registry (`registry.npmjs.org`), a PyPI simple
 * index (`pypi.org`), a Git smart-HTTP server (`github.com`, repository `/repo.git`), and a
 * JSON echo for anything else (`api.github.com`, over HTTP/1.1 or HTTP/2), which also echoes
 * WebSocket messages. Each registry serves one tiny package, `tgdemo`.
 */
import { join } from "node:path";
import { CertificateAuthority } from "../proxy/tls/mod.ts";
import { serveGit } from "./remote_git_http.ts";

/**
 * A second name of the npm registry, one no resolver answers: a client that ignores the proxy
 * (yarn berry reads no proxy variable) fails at its lookup instead of reaching the real one.
 */
export const YARN_REGISTRY = "registry.yarn.test";
/** The names the server's certificate covers. */
export const REGISTRY_HOSTS = [
  "registry.npmjs.org",
  "pypi.org",
  "github.com",
  "api.github.com",
  YARN_REGISTRY,
];

const FETCH = `const [url, method = "GET"] = process.argv.slice(2);
const r = await fetch(url, { method, body: method === "GET" ? undefined : "{}" });
console.log(r.status, await r.text());`;

const URLLIB = `import sys, urllib.request, urllib.error
request = urllib.request.Request(sys.argv[1], method=sys.argv[2], data=b"{}" if sys.argv[2] != "GET" else None)
try: print(urllib.request.urlopen(request).status)
except urllib.error.HTTPError as e: print(e.code, e.read().decode())`;

const WEBSOCKET = `const ws = new WebSocket(process.argv[2]);
ws.onopen = () => ws.send("hi");
ws.onmessage = (event) => { console.log(event.data); ws.close(); };
ws.onerror = () => { console.log("refused"); process.exitCode = 1; };`;

const H2 = `const http2 = await import("node:http2");
const client = http2.connect("https://api.github.com");
const ask = (method) => new Promise((resolve, reject) => {
  const stream = client.request({ ":path": "/h2", ":method": method });
  let status = 0;
  stream.on("response", (headers) => (status = headers[":status"]));
  stream.on("data", () => {}).on("error", reject).on("end", () => resolve(status));
  stream.end(method === "GET" ? undefined : "{}");
});
console.log(await ask("GET"), await ask("PUT"));
client.close();`;

/** The client scripts the toolchain steps run, by file name. */
export const CLIENT_SCRIPTS: Record<string, string> = {
  "fetch.mjs": FETCH,
  "client.py": URLLIB,
  "ws.mjs": WEBSOCKET,
  "h2.mjs": H2,
};

/**
 * OpenShell's quickstart filesystem_policy (examples/sandbox-policy-quickstart/policy.yaml),
 * with `readOnly` added, and rules for the registries' hosts.
 */
export function confinedPolicy(readOnly: string[] = []): string {
  const rest = (host: string, access: string) =>
    `      - { host: ${host}, port: 443, protocol: rest, access: ${access} }`;
  return [
    "version: 1",
    "filesystem_policy:",
    "  include_workdir: true",
    `  read_only: [${[
      "/usr",
      "/lib",
      "/proc",
      "/dev/urandom",
      "/app",
      "/etc",
      "/var/log",
      ...readOnly,
    ]}]`,
    "  read_write: [/sandbox, /tmp, /dev/null]",
    "landlock:",
    "  compatibility: best_effort",
    "network_policies:",
    "  toolchain:",
    "    endpoints:",
    rest("registry.npmjs.org", "read-only"),
    rest("pypi.org", "read-only"),
    rest("github.com", "full"),
    rest("api.github.com", "read-only"),
    '    binaries: [{ path: "/usr/bin/*" }, { path: "/usr/lib/git-core/*" }]',
    "",
  ].join("\n");
}

/** The running registries. */
export interface Registries {
  /** HTTPS port on 127.0.0.1. */
  port: number;
  /** The CA that signed its certificate (the proxy's `--upstream-ca`). */
  caPath: string;
  /** The bare repository `github.com/repo.git` serves (pushes allowed). */
  repoDir: string;
  /** `HOST METHOD PATH` of every request, in order. */
  seen: string[];
}

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

async function run(cmd: string, args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "null", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
}

/** The npm tarball and the wheel of `tgdemo`, built in `dir` with tar and Python's zipfile. */
export async function buildPackages(
  dir: string,
): Promise<{ tgz: Uint8Array<ArrayBuffer>; whl: Uint8Array<ArrayBuffer> }> {
  await Deno.mkdir(join(dir, "npm", "package"), { recursive: true });
  await Deno.writeTextFile(
    join(dir, "npm", "package", "package.json"),
    '{"name":"tgdemo","version":"1.0.0","main":"index.js"}',
  );
  await Deno.writeTextFile(join(dir, "npm", "package", "index.js"), 'module.exports = "npm ok";\n');
  await run("tar", ["-czf", "../tgdemo.tgz", "package"], join(dir, "npm"));
  const info = "tgdemo-0.1.dist-info";
  const wheel = [
    "import zipfile",
    "z = zipfile.ZipFile('tgdemo-0.1-py3-none-any.whl', 'w')",
    "z.writestr('tgdemo.py', 'VALUE = \"pip ok\"\\n')",
    `z.writestr('${info}/METADATA', 'Metadata-Version: 2.1\\nName: tgdemo\\nVersion: 0.1\\n')`,
    `z.writestr('${info}/WHEEL', 'Wheel-Version: 1.0\\nGenerator: test\\n` +
    `Root-Is-Purelib: true\\nTag: py3-none-any\\n')`,
    `z.writestr('${info}/RECORD', 'tgdemo.py,,\\n${info}/METADATA,,\\n${info}/WHEEL,,\\n` +
    `${info}/RECORD,,\\n')`,
  ].join("\n");
  await run("python3", ["-c", wheel], dir);
  const read = async (name: string) => new Uint8Array(await Deno.readFile(join(dir, name)));
  return { tgz: await read("tgdemo.tgz"), whl: await read("tgdemo-0.1-py3-none-any.whl") };
}

/** A bare repository with one commit on `main`, pushes allowed. */
async function bareRepo(dir: string): Promise<string> {
  const repo = join(dir, "repo.git");
  await run("git", ["init", "-q", "--bare", "-b", "main", repo], dir);
  await run("git", ["config", "http.receivepack", "true"], repo);
  const seed = join(dir, "seed");
  await run("git", ["init", "-q", "-b", "main", seed], dir);
  await Deno.writeTextFile(join(seed, "README"), "seed\n");
  const who = ["-c", "user.name=Seed", "-c", "user.email=seed@example.test"];
  await run("git", ["add", "README"], seed);
  await run("git", [...who, "commit", "-qm", "seed"], seed);
  await run("git", ["push", "-q", repo, "main"], seed);
  return repo;
}

/** Start the registries in `dir` (which the caller removes), run `fn`, stop them. */
export async function withRegistries(
  dir: string,
  fn: (registries: Registries) => Promise<void>,
): Promise<void> {
  const [{ tgz, whl }, repoDir] = await Promise.all([buildPackages(dir), bareRepo(dir)]);
  const ca = await CertificateAuthority.loadOrCreate(join(dir, "ca"));
  const caPath = join(dir, "upstream-ca.pem");
  await Deno.writeTextFile(caPath, ca.certPem);
  const leaf = await ca.mintLeaf(REGISTRY_HOSTS);
  const sha512 = btoa(
    String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("SHA-512", tgz))),
  );
  const sha256 = hex(await crypto.subtle.digest("SHA-256", whl));
  let gitPort = 0;
  const git = serveGit(dir, { onListen: (port) => (gitPort = port) });
  const seen: string[] = [];
  const tarball = "https://registry.npmjs.org/tgdemo/-/tgdemo-1.0.0.tgz";
  const packument = {
    name: "tgdemo",
    "dist-tags": { latest: "1.0.0" },
    versions: {
      "1.0.0": {
        name: "tgdemo",
        version: "1.0.0",
        dist: { tarball, integrity: `sha512-${sha512}` },
      },
    },
  };
  const index =
    `<a href="/files/tgdemo-0.1-py3-none-any.whl#sha256=${sha256}">tgdemo-0.1-py3-none-any.whl</a>`;
  const routes: Record<string, () => Response> = {
    "registry.npmjs.org GET /tgdemo": () => Response.json(packument),
    "registry.npmjs.org GET /tgdemo/-/tgdemo-1.0.0.tgz": () => new Response(tgz),
    "pypi.org GET /simple/tgdemo/": () =>
      new Response(index, { headers: { "content-type": "text/html" } }),
    "pypi.org GET /files/tgdemo-0.1-py3-none-any.whl": () => new Response(whl),
  };
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: leaf.chainPem,
    key: leaf.keyPem,
    onListen: () => {},
  }, (request) => {
    const url = new URL(request.url);
    const named = (request.headers.get("host") ?? url.host).replace(/:\d+$/, "");
    const host = named === YARN_REGISTRY ? "registry.npmjs.org" : named;
    const key = `${host} ${request.method} ${url.pathname}`;
    seen.push(key);
    if (host === "github.com") {
      const { method, headers, body } = request;
      return fetch(`http://127.0.0.1:${gitPort}${url.pathname}${url.search}`, {
        method,
        headers,
        body,
      });
    }
    if (routes[key]) return routes[key]();
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      const { socket, response } = Deno.upgradeWebSocket(request);
      socket.onmessage = (event) => socket.send(`echo ${event.data}`);
      return response;
    }
    if (host === "api.github.com") {
      return Response.json({ host, method: request.method, path: url.pathname });
    }
    return new Response("not found\n", { status: 404 });
  });
  try {
    await fn({ port: server.addr.port, caPath, repoDir, seen });
  } finally {
    await Promise.all([server.shutdown(), git.shutdown()]);
  }
}
