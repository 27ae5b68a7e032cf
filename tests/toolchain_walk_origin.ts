/**
 * One HTTPS origin (127.0.0.1, port 0, its own CA) standing in for what the toolchain walk
 * reaches: an npm registry with a package of 24 dependencies (`tgwalk`, each dependency with a
 * dependency of its own: 29 packages), a PyPI simple index of four wheels (`tgw-a` … `tgw-d`),
 * a Git smart-HTTP server allowing partial clones (`github.com/repo.git`, protocol v2), a
 * GitHub Enterprise-like API (`ghe.test/api/v3/…`, as `gh` reaches with `GH_HOST`), and a JSON
 * echo for anything else.
 */
import { join } from "node:path";
import { serveGit } from "./remote_git_http.ts";
import { type Origin, serveOrigin } from "./toolchain_fixtures.ts";

/** The names the origin's certificate covers. */
export const WALK_HOSTS = ["registry.npmjs.org", "pypi.org", "github.com", "ghe.test", "echo.test"];
/** The npm packages `tgwalk` pulls in (itself included). */
export const NPM_PACKAGES = [
  "tgwalk",
  ...Array.from({ length: 24 }, (_, i) => `tgw-dep-${i}`),
  ...Array.from({ length: 4 }, (_, i) => `tgw-leaf-${i}`),
];
/** The wheels the index serves. */
export const WHEELS = ["tgw_a", "tgw_b", "tgw_c", "tgw_d"];

/** The running origin. */
export type WalkOrigin = Origin;

async function run(cmd: string, args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "null", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
}

const digest = async (algorithm: string, bytes: Uint8Array<ArrayBuffer>) =>
  new Uint8Array(await crypto.subtle.digest(algorithm, bytes));
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

function dependencies(name: string): Record<string, string> {
  if (name === "tgwalk") {
    return Object.fromEntries(NPM_PACKAGES.slice(1, 25).map((d) => [d, "1.0.0"]));
  }
  const dep = /^tgw-dep-(\d+)$/.exec(name);
  return dep ? { [`tgw-leaf-${Number(dep[1]) % 4}`]: "1.0.0" } : {};
}

/** Each package's packument and tarball. */
async function npmPackages(dir: string): Promise<Map<string, Response | (() => Response)>> {
  const routes = new Map<string, Response | (() => Response)>();
  for (const name of NPM_PACKAGES) {
    const folder = join(dir, "npm", name);
    await Deno.mkdir(join(folder, "package"), { recursive: true });
    const manifest = { name, version: "1.0.0", main: "index.js", dependencies: dependencies(name) };
    await Deno.writeTextFile(join(folder, "package", "package.json"), JSON.stringify(manifest));
    await Deno.writeTextFile(join(folder, "package", "index.js"), `module.exports = "${name}";\n`);
    await run("tar", ["-czf", "p.tgz", "package"], folder);
    const tgz = new Uint8Array(await Deno.readFile(join(folder, "p.tgz")));
    const integrity = `sha512-${btoa(String.fromCharCode(...await digest("SHA-512", tgz)))}`;
    const tarball = `https://registry.npmjs.org/${name}/-/${name}-1.0.0.tgz`;
    const packument = {
      name,
      "dist-tags": { latest: "1.0.0" },
      versions: { "1.0.0": { ...manifest, dist: { tarball, integrity } } },
    };
    routes.set(`registry.npmjs.org GET /${name}`, () => Response.json(packument));
    routes.set(`registry.npmjs.org GET /${name}/-/${name}-1.0.0.tgz`, () => new Response(tgz));
  }
  return routes;
}

/** The wheels and their simple-index pages. */
async function wheels(dir: string): Promise<Map<string, () => Response>> {
  const script = WHEELS.map((name) => {
    const info = `${name}-0.1.dist-info`;
    return [
      `z = zipfile.ZipFile('${name}-0.1-py3-none-any.whl', 'w')`,
      `z.writestr('${name}.py', 'VALUE = "${name} ok"\\n')`,
      `z.writestr('${info}/METADATA', 'Metadata-Version: 2.1\\nName: ${name}\\nVersion: 0.1\\n')`,
      `z.writestr('${info}/WHEEL', 'Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')`,
      `z.writestr('${info}/RECORD', '')`,
      "z.close()",
    ].join("\n");
  });
  await run("python3", ["-c", ["import zipfile", ...script].join("\n")], dir);
  const routes = new Map<string, () => Response>();
  for (const name of WHEELS) {
    const file = `${name}-0.1-py3-none-any.whl`;
    const whl = new Uint8Array(await Deno.readFile(join(dir, file)));
    const sha = hex(await digest("SHA-256", whl));
    const page = `<a href="/files/${file}#sha256=${sha}">${file}</a>`;
    const html = { headers: { "content-type": "text/html" } };
    routes.set(`pypi.org GET /simple/${name.replace("_", "-")}/`, () => new Response(page, html));
    routes.set(`pypi.org GET /files/${file}`, () => new Response(whl));
  }
  return routes;
}

/** A bare repository with three commits and a few blobs, partial clones allowed. */
async function repository(dir: string): Promise<void> {
  const repo = join(dir, "repo.git");
  await run("git", ["init", "-q", "--bare", "-b", "main", repo], dir);
  await run("git", ["config", "uploadpack.allowFilter", "true"], repo);
  await run("git", ["config", "uploadpack.allowAnySHA1InWant", "true"], repo);
  const seed = join(dir, "seed");
  await run("git", ["init", "-q", "-b", "main", seed], dir);
  const who = ["-c", "user.name=Seed", "-c", "user.email=seed@example.test"];
  for (const n of [1, 2, 3]) {
    await Deno.writeTextFile(join(seed, `file${n}`), `content ${n}\n`.repeat(1000));
    await run("git", ["add", "."], seed);
    await run("git", [...who, "commit", "-qm", `commit ${n}`], seed);
  }
  await run("git", ["push", "-q", repo, "main"], seed);
}

/** Add a commit to the bare repository (for a fetch to bring). */
export async function addCommit(dir: string, message: string): Promise<void> {
  const seed = join(dir, "seed");
  await Deno.writeTextFile(join(seed, "later"), `${message}\n`);
  await run("git", ["add", "."], seed);
  await run("git", ["-c", "user.name=S", "-c", "user.email=s@t", "commit", "-qm", message], seed);
  await run("git", ["push", "-q", join(dir, "repo.git"), "main"], seed);
}

/**
 * Start the origin in `dir` (which the caller removes), run `fn`, stop it. `onRequest` is
 * awaited before each answer (with the request's `HOST METHOD PATH` and how many came before).
 */
export async function withWalkOrigin(
  dir: string,
  fn: (origin: WalkOrigin) => Promise<void>,
  onRequest?: (key: string, index: number) => Promise<void> | void,
): Promise<void> {
  const [npm, pypi] = await Promise.all([npmPackages(dir), wheels(dir), repository(dir)]);
  let gitPort = 0;
  const git = serveGit(dir, { onListen: (port) => (gitPort = port) });
  const origin: Origin = await serveOrigin(dir, WALK_HOSTS, async (request, host) => {
    const url = new URL(request.url);
    const key = origin.seen.at(-1)!;
    await onRequest?.(key, origin.seen.length - 1);
    if (host === "github.com") {
      const { method, headers, body } = request;
      return await fetch(`http://127.0.0.1:${gitPort}${url.pathname}${url.search}`, {
        method,
        headers,
        body,
      });
    }
    const route = npm.get(key) ?? pypi.get(key);
    if (route) return typeof route === "function" ? route() : route;
    if (host === "ghe.test" && url.pathname.startsWith("/api/")) {
      return Response.json({ full_name: "o/r", path: url.pathname, method: request.method });
    }
    if (host === "echo.test") {
      return Response.json({ host, method: request.method, path: url.pathname });
    }
    return new Response("not found\n", { status: 404 });
  });
  try {
    await fn(origin);
  } finally {
    await Promise.all([origin.shutdown(), git.shutdown()]);
  }
}
