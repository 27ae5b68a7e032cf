/**
 * ssh inside a netns sandbox, denied: a captured connection to port 22 (the policy names it for
 * another binary) and an SSH session through a CONNECT of its own (`ProxyCommand`, to port 443,
 * as `ssh.github.com:443` is used) each end with the denial's one line in ssh's own error
 * output ("Received disconnect from …: Tollgate policy denied CONNECT …"). Before, the proxy
 * waited for an HTTP head until its head timeout, then closed, and ssh said only
 * "kex_exchange_identification: Connection closed by remote host".
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { SANDBOX_RUN } from "./sandbox_fixtures.ts";

const netns = (await detectIsolation()) === "netns";
const ssh = await Deno.stat("/usr/bin/ssh").then(() => true, () => false);
if (!netns || !ssh) console.error("toolchain_ssh_test: skipped: needs network namespaces and ssh");

const POLICY = `version: 1
network_policies:
  ssh_for_wget:
    endpoints: [{ host: github.com, port: 22 }]
    binaries: [{ path: /usr/bin/wget }]
`;

/** A ProxyCommand: CONNECT through the sandbox's proxy, then relay both ways. */
const PROXY_COMMAND = `import os, select, socket, sys
s = socket.create_connection(("127.0.0.1", 3128))
s.sendall(f"CONNECT {sys.argv[1]}:{sys.argv[2]} HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n".encode())
head = b""
while b"\\r\\n\\r\\n" not in head: head += s.recv(1)
while True:
    ready = select.select([s, 0], [], [])[0]
    if s in ready:
        data = s.recv(65536)
        if not data: break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if data: s.sendall(data)
        else: s.shutdown(socket.SHUT_WR)
`;

const OPTIONS = "-T -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null";
const SCRIPT = `
ssh ${OPTIONS} git@github.com > captured.txt 2>&1
ssh ${OPTIONS} -p 443 -o 'ProxyCommand=python3 connect.py %h %p' git@ssh.github.com > connect.txt 2>&1
exit 0
`;

Deno.test({
  name:
    "toolchain: a denied ssh (captured port 22, or a ProxyCommand CONNECT to 443) prints the denial",
  ignore: !netns || !ssh,
  fn: async () => {
    const work = await Deno.makeTempDir({ prefix: "tg-ssh-" });
    try {
      await Deno.mkdir(join(work, "policies"));
      await Deno.writeTextFile(join(work, "policies", "p.yaml"), POLICY);
      await Deno.writeTextFile(join(work, "connect.py"), PROXY_COMMAND);
      const [deno, ...args] = [...SANDBOX_RUN, "--policy", "p", "--isolate", "netns", "--quiet"];
      const out = await new Deno.Command(deno!, {
        args: [...args, "--", "sh", "-c", SCRIPT],
        cwd: work,
        env: { PATH: "/usr/bin:/bin", HOME: work, NO_COLOR: "1" },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const captured = await Deno.readTextFile(join(work, "captured.txt"));
      assert.match(
        captured,
        /Received disconnect from [^\n]*: Tollgate policy denied CONNECT github\.com:22 for \/usr\/bin\/ssh: binary '\/usr\/bin\/ssh' not allowed in policy 'ssh_for_wget'; read http:\/\/policy\.local\/v1\/skill/,
      );
      const connect = await Deno.readTextFile(join(work, "connect.txt"));
      assert.match(
        connect,
        /Received disconnect from [^\n]*: Tollgate policy denied CONNECT ssh\.github\.com:443 for \/usr\/bin\/python3[.0-9]*: endpoint ssh\.github\.com:443 not in policy/,
      );
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});
