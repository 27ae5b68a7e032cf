/**
 * A sandbox confined by a `filesystem_policy` has a /tmp of its own, as an OpenShell sandbox
 * (a container) does: a Unix socket the host binds in /tmp after the start (a tmux server,
 * whose `new-window CMD` runs CMD outside; X11; an editor's or language server's socket) is
 * a way past the proxy that Landlock does not close, since it never refuses `connect()`.
 * Through the real `deno run -A main.ts sandbox run`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { detectIsolation, probeLandlock } from "../proxy/sandbox/mod.ts";
import { delay, hostSocket, SANDBOX_RUN, UNIX_SOCKET_CLIENT } from "./sandbox_fixtures.ts";

const ignore = (await detectIsolation()) !== "netns" || typeof probeLandlock() !== "number";
if (ignore) console.error("sandbox_private_tmp_test: skipped: needs netns and Landlock");

/** OpenShell's quickstart paths, the working directory, and `extra` policy lines. */
function policy(extra: string[] = []): string {
  return [
    "version: 1",
    "filesystem_policy:",
    "  include_workdir: true",
    "  read_only: [/usr, /bin, /lib, /lib64, /etc, /proc]",
    ...extra,
    "network_policies: {}",
    "",
  ].join("\n");
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

/**
 * Run `script` (`sh -c`, in a fresh working directory under /tmp) in a sandbox under `files`;
 * once it has touched `started`, run `meanwhile`, then let it go on (`touch go`). Resolves to
 * what it wrote to out.txt and the CLI's standard error.
 */
async function run(
  files: string,
  script: string,
  meanwhile: () => Promise<void> = () => Promise.resolve(),
  env: Record<string, string> = {},
): Promise<{ out: string; stderr: string }> {
  const work = await Deno.makeTempDir({ prefix: "tg-tmp-work-" });
  try {
    await Deno.mkdir(join(work, "policies"));
    await Deno.writeTextFile(join(work, "policies", "p.yaml"), files);
    const wait = "touch started; while [ ! -e go ]; do sleep 0.02; done";
    const [deno, ...args] = [...SANDBOX_RUN, "--policy", "p", "--isolate", "netns", "--"];
    const child = new Deno.Command(deno!, {
      args: [...args, "sh", "-c", `${wait}; { ${script}; } > out.txt 2>&1`],
      cwd: work,
      env: { ...env, NO_COLOR: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    try {
      while (!(await exists(join(work, "started")))) await delay(20);
      await meanwhile();
    } finally {
      await Deno.writeTextFile(join(work, "go"), "");
    }
    const status = await child.status;
    const out = await Deno.readTextFile(join(work, "out.txt")).catch(() => "");
    assert.equal(status.code, 0, `${await stderr}\n${out}`);
    return { out, stderr: await stderr };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

Deno.test({
  name:
    "sandbox private /tmp: a socket the host binds in /tmp, before or after the start, is not reached",
  ignore,
  fn: async () => {
    // Where tmux puts its server's socket (/tmp/tmux-UID/default), and X11's.
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "tg-tmux-" });
    const [before, after] = [join(dir, "X0"), join(dir, "default")];
    const servers = [hostSocket(before)];
    try {
      const client =
        `for path in ${before} ${after}; do python3 -c '${UNIX_SOCKET_CLIENT}' "$path"; done`;
      const { out } = await run(policy(), client, () => {
        servers.push(hostSocket(after));
        return Promise.resolve();
      });
      assert.match(out, /^refused:.*\nrefused:/m, out);
      assert.doesNotMatch(out, /pong/);
    } finally {
      for (const server of servers) await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "sandbox private /tmp: empty, the working directory and the policy's /tmp paths shown again",
  ignore,
  fn: async () => {
    const host = await Deno.makeTempDir({ dir: "/tmp", prefix: "tg-host-" });
    const shared = await Deno.makeTempDir({ dir: "/tmp", prefix: "tg-shared-" });
    const out = await Deno.makeTempDir({ dir: "/tmp", prefix: "tg-out-" });
    // The runner's TMPDIR, below the host's /tmp: the command gets an empty one at that path.
    const tmpdir = await Deno.makeTempDir({ dir: "/tmp", prefix: "tg-tmpdir-" });
    try {
      await Deno.writeTextFile(join(tmpdir, "host.txt"), "host temp file\n");
      await Deno.writeTextFile(join(host, "secret.txt"), "host secret\n");
      await Deno.writeTextFile(join(shared, "in.txt"), "shared in\n");
      const script = [
        `cat ${host}/secret.txt || echo "host: unseen"`,
        `cat ${shared}/in.txt`,
        `echo x > ${shared}/x || echo "shared: read-only"`,
        `echo written > ${out}/out.txt`,
        "echo mine > /tmp/own.txt && cat /tmp/own.txt",
        'echo here > here.txt && echo "workdir: $(cat here.txt)"',
        "ls -A /tmp",
        'ls -A "$TMPDIR"; mktemp | grep -c "^$TMPDIR/tmp\\."',
      ].join("; ");
      const { out: text, stderr } = await run(
        policy([`  read_write: [/dev/null, ${out}]`]).replace("/proc]", `/proc, ${shared}]`),
        script,
        undefined,
        { TMPDIR: tmpdir },
      );
      // In /tmp: what the command wrote, and the host paths it needs, nothing else of the host's.
      const names = (path: string) => path.replace(/^\/tmp\//, "").replace(/-[0-9a-f]+$/, "-*");
      // The confine step runs from this checkout, Deno and its cache, bound back when they lie
      // below /tmp (a CI clone in /tmp/ci-check): those names are the runner's, not the host's.
      const runner = runnerTmpNames();
      const listed = text.split("\n").filter((line) => !runner.has(line)).join("\n");
      assert.equal(
        listed.replace(/^\S+$/gm, names),
        [
          "cat: " + `${host}/secret.txt: No such file or directory`,
          "host: unseen",
          "shared in",
          `sh: 1: cannot create ${shared}/x: Read-only file system`,
          "shared: read-only",
          "mine",
          "workdir: here",
          "own.txt",
          "tg-out-*",
          "tg-shared-*",
          "tg-tmp-work-*",
          "tg-tmpdir-*",
          "tollgate-home-*",
          "1",
          "",
        ].join("\n"),
      );
      assert.equal(await Deno.readTextFile(join(out, "out.txt")), "written\n");
      assert.equal(await exists("/tmp/own.txt"), false);
      assert.match(stderr, /filesystem_policy paths, HOME a fresh empty directory, \/tmp its own;/);
    } finally {
      for (const dir of [host, shared, out, tmpdir]) await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The top folders below /tmp of what the confine step runs from: the checkout, Deno, its cache. */
function runnerTmpNames(): Set<string> {
  const paths = [
    fileURLToPath(new URL("..", import.meta.url)),
    Deno.execPath(),
    Deno.env.get("DENO_DIR") ?? "",
  ];
  return new Set(paths.flatMap((path) => /^\/tmp\/([^/]+)/.exec(path)?.[1] ?? []));
}
