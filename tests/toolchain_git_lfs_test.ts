/**
 * `git lfs` inside `tollgate sandbox run` (netns and env mode): a push whose pre-push hook
 * uploads an LFS object through the batch API (`POST …/info/lfs/objects/batch`, then a `PUT`
 * of the object) lands where the rule allows it; where the rule allows Git but not LFS, the
 * push stops and git-lfs prints Tollgate's denial. Skipped, said once, without git-lfs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { runScript, type ScriptRun, serveGitOrigin } from "./toolchain_fixtures.ts";

const netns = (await detectIsolation()) === "netns";
if (!netns) console.error("toolchain_git_lfs_test: netns mode skipped: needs network namespaces");
const LFS = await Deno.stat("/usr/bin/git-lfs").then(() => true, () => false);
if (!LFS) console.error("toolchain_git_lfs_test: skipped: git-lfs is not installed");

const HOSTS = ["github.com", "nolfs.test"];

const POLICY = `version: 1
network_policies:
  git:
    endpoints:
      - { host: github.com, port: 443, protocol: rest, access: full }
      - host: nolfs.test
        port: 443
        protocol: rest
        rules:
          - allow: { method: GET, path: "/**" }
          - allow: { method: POST, path: "/repo.git/git-upload-pack" }
          - allow: { method: POST, path: "/repo.git/git-receive-pack" }
    binaries: [{ path: "/usr/bin/*" }, { path: "/usr/lib/git-core/*" }]
`;

const SCRIPT = `
git init -q -b main work && cd work && git lfs install --local > /dev/null
git lfs track '*.bin' > /dev/null && head -c 4096 /dev/urandom > big.bin
git add .gitattributes big.bin && git -c user.name=A -c user.email=a@t commit -qm lfs && cd ..
step push git -C work push https://github.com/repo.git HEAD:lfs
step push_denied git -C work push https://nolfs.test/repo.git HEAD:nolfs
`;

/** The LFS batch API and object store, as `host` serves it: uploads only. */
async function lfs(request: Request, host: string, objects: Map<string, number>) {
  const url = new URL(request.url);
  if (url.pathname.endsWith("/info/lfs/objects/batch")) {
    const batch = await request.json();
    const answer = batch.objects.map((o: { oid: string; size: number }) => ({
      ...o,
      actions: objects.has(o.oid)
        ? undefined
        : { upload: { href: `https://${host}/lfs/${o.oid}`, expires_in: 3600 } },
    }));
    return Response.json({ transfer: "basic", objects: answer }, {
      headers: { "content-type": "application/vnd.git-lfs+json" },
    });
  }
  if (request.method === "PUT" && url.pathname.startsWith("/lfs/")) {
    objects.set(url.pathname.slice(5), (await request.arrayBuffer()).byteLength);
    return new Response(null, { status: 200 });
  }
  return new Response("not found\n", { status: 404 });
}

async function push(isolate: "netns" | "env"): Promise<{ run: ScriptRun; objects: number[] }> {
  const work = await Deno.makeTempDir({ prefix: "tg-git-lfs-" });
  const dir = join(work, "origin");
  await Deno.mkdir(join(work, "agent"), { recursive: true });
  await Deno.mkdir(dir);
  const objects = new Map<string, number>();
  const origin = await serveGitOrigin(dir, HOSTS, {
    other: async (request, host) => {
      const path = new URL(request.url).pathname;
      const lfsPath = path.includes("/info/lfs/") || path.startsWith("/lfs/");
      return lfsPath ? await lfs(request, host, objects) : undefined;
    },
  });
  try {
    const result = await runScript(join(work, "agent"), {
      policy: POLICY,
      isolate,
      script: SCRIPT,
      origin: { ...origin, hosts: HOSTS },
    });
    return { run: result, objects: [...objects.values()] };
  } finally {
    await origin.shutdown();
    await Deno.remove(work, { recursive: true });
  }
}

function check({ run, objects }: { run: ScriptRun; objects: number[] }): void {
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.results.push, "0", run.out.push);
  assert.deepEqual(objects, [4096]);
  assert.notEqual(run.results.push_denied, "0");
  assert.match(run.out.push_denied ?? "", /Tollgate policy denied POST \/repo\.git\/info\/lfs/);
}

Deno.test({
  name:
    "toolchain git lfs (netns): a push uploads its LFS object where allowed; where LFS is not, git-lfs prints the denial",
  ignore: !netns || !LFS,
  fn: async () => check(await push("netns")),
});

Deno.test({
  name: "toolchain git lfs (env mode): the same pushes through the proxy variables",
  ignore: !LFS,
  fn: async () => check(await push("env")),
});
