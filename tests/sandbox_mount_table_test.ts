/**
 * The mounts of a netns sandbox, read from the command's own `/proc/self/mountinfo`: the setup
 * script makes most of them by one `mount --all` per batch of fstab lines, which must give each
 * the flags it had as one mount(8) each (read-only repository, covers, tmpfs sizes), for paths
 * with spaces and newlines too, and must not skip one that `mount --all` thinks is mounted
 * already (a policy folder that is a mount point of its own, as a container's volume is).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CertificateAuthority, startProxyService } from "../proxy/mod.ts";
import { detectIsolation, probeLandlock, runSandbox } from "../proxy/sandbox/mod.ts";
import { hostSocket, NO_RULES, runSandboxCli } from "./sandbox_fixtures.ts";

const ignore = (await detectIsolation()) !== "netns" || typeof probeLandlock() !== "number";
if (ignore) console.error("sandbox_mount_table_test: skipped: needs netns and Landlock");

const POLICY = [
  "version: 1",
  "filesystem_policy:",
  "  include_workdir: true",
  "  read_only: [/usr, /bin, /lib, /lib64, /etc, /proc]",
  "network_policies: {}",
  "",
].join("\n");

/** A mount as mountinfo(5) tells it: where, its own options, its type and source. */
interface Mount {
  point: string;
  options: string[];
  type: string;
  source: string;
  superOptions: string;
}

function parseMountinfo(text: string): Mount[] {
  const unescape = (field: string) =>
    field.replace(/\\([0-7]{3})/g, (_, octal) => String.fromCharCode(parseInt(octal, 8)));
  return text.trim().split("\n").map((line) => {
    const [own, fs] = line.split(" - ");
    const fields = own!.split(" ");
    const [type, source, superOptions] = fs!.split(" ");
    return {
      point: unescape(fields[4]!),
      options: fields[5]!.split(","),
      type: type!,
      source: source!,
      superOptions: superOptions!,
    };
  });
}

/** The top mount at `point` (the last one listed there). */
function at(mounts: Mount[], point: string): Mount {
  const found = mounts.filter((mount) => mount.point === point).at(-1);
  assert.ok(found, `no mount at ${JSON.stringify(point)}`);
  return found;
}

/**
 * Run a confined sandbox in a working folder whose name holds a space, with a ceiling file, a
 * gateway folder to hide and a host socket named with a space and a newline; `wrap` mounts the
 * policy folder on itself first. Resolves to the command's mountinfo and what it could do.
 */
async function sandboxMounts(): Promise<{ work: string; mounts: Mount[]; probes: string }> {
  const work = await Deno.makeTempDir({ prefix: "tg mounts " });
  const policiesDir = join(work, "policies");
  const gateway = join(work, "gateway\nstate");
  const socketPath = join(work, "host side.sock");
  await Deno.mkdir(policiesDir);
  await Deno.mkdir(gateway);
  await Deno.writeTextFile(join(gateway, "token"), "secret");
  await Deno.writeTextFile(join(policiesDir, "p.yaml"), POLICY);
  await Deno.writeTextFile(join(policiesDir, "ceiling.yaml"), "hidden: yes\n");
  const socket = hostSocket(socketPath);
  const stateDir = join(work, ".tollgate");
  try {
    const ca = await CertificateAuthority.loadOrCreate(stateDir);
    const probes = [
      "cat /proc/self/mountinfo > mountinfo.txt",
      'echo "ceiling [$(cat policies/ceiling.yaml)]"',
      "touch policies/x 2>/dev/null && echo 'policies writable'",
      `ls "$GATEWAY" | wc -l`,
      `[ -c "$SOCKET" ] && echo 'socket covered'`,
    ].join("; ");
    const code = await runSandbox({
      command: ["sh", "-c", `{ ${probes}; } > probes.txt 2>&1`],
      isolation: "netns",
      stateDir,
      caPem: ca.certPem,
      readOnly: [policiesDir],
      hideFiles: [join(policiesDir, "ceiling.yaml")],
      hideDirs: [gateway],
      passEnv: { GATEWAY: gateway, SOCKET: socketPath },
      env: { PATH: Deno.env.get("PATH"), HOME: Deno.env.get("HOME") },
      cwd: work,
      stdio: "null",
      startProxy: async () => {
        const service = await startProxyService({ policy: "p", policiesDir, stateDir, ca });
        return { ...service, staticSections: () => service.holder.current().policy };
      },
    });
    assert.equal(code, 0);
    const mounts = parseMountinfo(await Deno.readTextFile(join(work, "mountinfo.txt")));
    return { work, mounts, probes: await Deno.readTextFile(join(work, "probes.txt")) };
  } finally {
    await socket.close();
  }
}

Deno.test({
  name: "sandbox: each mount of the setup script's tables has its flags, for any path",
  ignore,
  fn: async () => {
    const { work, mounts, probes } = await sandboxMounts();
    try {
      assert.equal(probes, "ceiling []\n0\nsocket covered\n");
      const ro = (point: string) => assert.ok(at(mounts, point).options.includes("ro"), point);
      // The repository read-only, the ceiling covered by an empty file, /proc read-only.
      ro(join(work, "policies"));
      ro(join(work, "policies", "ceiling.yaml"));
      ro("/proc");
      // The working folder (a space in its name) bound back into the sandbox's own /tmp.
      assert.ok(at(mounts, work).options.includes("rw"));
      const tmp = at(mounts, "/tmp");
      assert.equal(tmp.source, "tollgate-tmp");
      assert.match(tmp.superOptions, /size=\d+k,nr_inodes=\d+/);
      // Tollgate's state hidden, only the public part shown again, both read-only and bounded.
      const state = at(mounts, join(work, ".tollgate"));
      assert.deepEqual([state.type, state.source], ["tmpfs", "tollgate-hidden"]);
      assert.match(state.superOptions, /size=4k,nr_inodes=16/);
      ro(join(work, ".tollgate"));
      const shown = mounts.filter((mount) => mount.point.endsWith("/public"));
      assert.equal(shown.length, 1);
      ro(shown[0]!.point);
      // The gateway's folder (a newline in its name): empty, read-only, one inode.
      const gateway = at(mounts, join(work, "gateway\nstate"));
      assert.equal(gateway.source, "tollgate-hidden");
      assert.match(gateway.superOptions, /size=4k,nr_inodes=1(,|$)/);
      ro(gateway.point);
      // The host socket (a space in its name) covered by /dev/null.
      assert.equal(at(mounts, join(work, "host side.sock")).type, "devtmpfs");
      // Shared memory and pseudo-terminals of its own.
      assert.equal(at(mounts, "/dev/shm").source, "tollgate-private");
      assert.equal(at(mounts, "/dev/pts").source, "tollgate-pts");
      ro("/etc/ssl/certs/ca-certificates.crt");
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test({
  name: "sandbox: a policy folder that is a mount point of its own is still read-only inside",
  // Making one needs a mount namespace of the runner's own: root.
  ignore: ignore || Deno.uid() !== 0,
  fn: async () => {
    const work = await Deno.makeTempDir({ prefix: "tg-mounts-" });
    try {
      const policiesDir = join(work, "policies");
      await Deno.mkdir(policiesDir);
      // No filesystem_policy: a folder in /tmp holding a mount point cannot be bound back into
      // a sandbox's own /tmp from a user namespace (the kernel locks the mount under it).
      await Deno.writeTextFile(join(policiesDir, "p.yaml"), NO_RULES);
      // As a container's volume: `mount --all` would take the folder as mounted already.
      const volume = 'mount --bind "$0" "$0" && exec "$@"';
      const wrap = ["unshare", "--mount", "--propagation", "private", "sh", "-c", volume];
      const probe =
        "touch policies/planted 2>&1; grep -c ' /.*/policies ro,' /proc/self/mountinfo; true";
      const run = await runSandboxCli(
        ["--policy", "p", "--isolate", "netns", "--", "sh", "-c", probe],
        { cwd: work, wrap: [...wrap, policiesDir] },
      );
      assert.equal(run.code, 0, run.stderr);
      // Two read-only mounts there: the bind over the volume, and the empty folder covering it.
      assert.match(run.stdout, /Read-only file system\n2\n$/);
      assert.ok(!(await Deno.stat(join(policiesDir, "planted")).then(() => true, () => false)));
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});
