/**
 * A hostile agent against identity (issue #12 item 5): borrowing another binary's rules
 * through a shared socket is refused as ambiguous.
 */
import assert from "node:assert/strict";
import { startTestProxy, startTestUpstreams } from "./support/mod.ts";
import { CURL_ONLY } from "./hostile_fixtures.ts";

// python creates a socket, starts curl with a copy of it (curl only holds it, blocked on its
// stdin), then connects it to the proxy and sends a request itself.
const SHARED_SOCKET_SCRIPT = `
import socket, subprocess, sys
s = socket.socket()
holder = subprocess.Popen(["/usr/bin/curl", "-s", "-m", "60", "file:///dev/stdin"],
    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    pass_fds=(s.fileno(),))
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"GET http://plain.example.com/data HTTP/1.1\\r\\nHost: plain.example.com\\r\\n"
              b"Connection: close\\r\\n\\r\\n")
    chunks = []
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
    sys.stdout.write(b"".join(chunks).decode())
finally:
    holder.stdin.close()
    holder.wait()
`;

Deno.test("hostile #5: a socket shared with curl is refused as ambiguous_identity and never reaches upstream", async () => {
  const upstreams = await startTestUpstreams();
  // The real /proc resolver: no identity override.
  const proxy = await startTestProxy({ policy: CURL_ONLY, upstreams });
  try {
    const run = await new Deno.Command("python3", {
      args: ["-c", SHARED_SOCKET_SCRIPT, String(proxy.port)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(run.stdout);
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    assert.match(text, /^HTTP\/1\.1 403 /, text);
    const body = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4));
    assert.equal(body.error, "policy_denied");
    assert.match(body.detail, /ambiguous_identity/);
    assert.match(body.detail, /\/usr\/bin\/curl/);
    assert.equal(upstreams.requests.length, 0);
    const denial = proxy.events.find((e) => String(e.status_detail).includes("ambiguous_identity"));
    assert.ok(denial !== undefined, "the denial is in the OCSF log with its reason");
  } finally {
    await proxy.close();
    await upstreams.close();
  }
});
