/**
 * A denied SSH session is closed only once the client's KEXINIT came (or after a wait): ssh
 * behind a `ProxyCommand` that exits at the proxy's close (a relay script, `nc`) had its KEXINIT
 * write fail with "Broken pipe" before it read the disconnect carrying the denial, when the
 * proxy closed right after writing it (toolchain_ssh_test.ts failed so, now and then, under load).
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { withProxy } from "./toolchain_fixtures.ts";

Deno.test("toolchain: a denied SSH session stays open for the client's KEXINIT, then closes", async () => {
  await withProxy(async (proxy) => {
    const socket = net.connect(proxy.port, "127.0.0.1");
    socket.on("error", () => {});
    let received = "";
    let ended = false;
    const more = () => new Promise<void>((resolve) => socket.once("data", () => resolve()));
    socket.on("data", (chunk: Uint8Array) => received += new TextDecoder().decode(chunk));
    const end = new Promise<void>((resolve) =>
      socket.once("close", () => resolve(void (ended = true)))
    );
    try {
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write("CONNECT denied.example:443 HTTP/1.1\r\nHost: denied.example:443\r\n\r\n");
      while (!received.includes("\r\n\r\n")) await more();
      assert.match(received, /^HTTP\/1.1 200 /);
      socket.write("SSH-2.0-OpenSSH_9.2p1\r\n");
      while (!received.includes("Tollgate policy denied")) await more();
      assert.match(received, /SSH-2\.0-Tollgate\r\n/);
      // Still open (before, the proxy closed at once): ssh's KEXINIT can still be written.
      await Promise.race([end, new Promise((resolve) => setTimeout(resolve, 500))]);
      assert.equal(ended, false, "the proxy closed before the client's KEXINIT");
      socket.write(new Uint8Array([0, 0, 0, 12, 10, 20, ...new Array(14).fill(0)]));
      await end;
    } finally {
      socket.destroy();
    }
  });
});
