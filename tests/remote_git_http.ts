/**
 * A tiny smart-HTTP Git server for the remote tests: `git http-backend` as CGI behind
 * `Deno.serve`. Run as `deno run -A tests/remote_git_http.ts ROOT HOST`; prints
 * `listening PORT`. Pushes are allowed. While `ROOT/stall-push` exists, a push is held before
 * it reaches the backend (the file `ROOT/stalled` says one is held), then refused: the test
 * kills a gateway in the middle of its push. `serveGit` is the same server in-process.
 *
 * @module
 */

import { join } from "node:path";

const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function handle(root: string, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const body = new Uint8Array(await request.arrayBuffer());
  if (url.pathname.endsWith("/git-receive-pack") && await exists(join(root, "stall-push"))) {
    await Deno.writeTextFile(join(root, "stalled"), "");
    while (await exists(join(root, "stall-push"))) await sleep(50);
    return new Response("held and refused", { status: 503 });
  }
  const child = new Deno.Command("git", {
    args: ["http-backend"],
    env: {
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      REMOTE_USER: "tester",
      REMOTE_ADDR: "127.0.0.1",
      REQUEST_METHOD: request.method,
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers.get("content-type") ?? "",
      CONTENT_LENGTH: String(body.length),
      HTTP_CONTENT_ENCODING: request.headers.get("content-encoding") ?? "",
      GIT_PROTOCOL: request.headers.get("git-protocol") ?? "",
    },
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(body).catch(() => {});
  await writer.close().catch(() => {});
  const out = (await child.output()).stdout;
  return cgiResponse(out);
}

/** Split a CGI answer into its header block (with `Status:`) and its body. */
function cgiResponse(out: Uint8Array): Response {
  let end = -1;
  for (let i = 0; i + 3 < out.length; i++) {
    if (out[i] === 13 && out[i + 1] === 10 && out[i + 2] === 13 && out[i + 3] === 10) {
      end = i;
      break;
    }
  }
  const head = new TextDecoder().decode(out.subarray(0, Math.max(end, 0)));
  const headers = new Headers();
  let status = 200;
  for (const line of head.split("\r\n")) {
    const at = line.indexOf(":");
    if (at < 0) continue;
    const [name, value] = [line.slice(0, at).trim(), line.slice(at + 1).trim()];
    if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]) || 200;
    else headers.append(name, value);
  }
  return new Response(out.slice(end < 0 ? 0 : end + 4) as Uint8Array<ArrayBuffer>, {
    status,
    headers,
  });
}

/** Serve the bare repositories under `root` over smart HTTP; `seen` is told every request. */
export function serveGit(
  root: string,
  options: {
    hostname?: string;
    seen?: (request: Request) => void;
    onListen?: (port: number) => void;
  },
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: 0,
    onListen: ({ port }) => options.onListen?.(port),
  }, (request) => {
    options.seen?.(request);
    return handle(root, request);
  });
}

if (import.meta.main) {
  const [root, hostname] = Deno.args;
  if (!root || !hostname) throw new TypeError("Usage: remote_git_http.ts ROOT HOST");
  serveGit(root, { hostname, onListen: (port) => console.log(`listening ${port}`) });
}
