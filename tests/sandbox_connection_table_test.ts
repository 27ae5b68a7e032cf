/**
 * A netns sandbox's network namespace has a TCP connection table of its own. The runner finds
 * each client's socket in the sandbox's `/proc/PID/net/tcp`, which the kernel builds by walking
 * the table the namespace lives in: in the host's (262,144 buckets on the test machine) that
 * walk took some 6 ms of kernel time per new connection. And with the smaller table, many new
 * connections in a row, proxied and captured, are each still identified exactly.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation, runSandbox } from "../proxy/sandbox/mod.ts";
import { baseOptions, withState, withUpstream } from "./sandbox_fixtures.ts";

const netns = (await detectIsolation()) === "netns";
// Linux 6.1 and later; on older kernels the sandbox shares the host's table, as it did.
const childTables = await Deno.stat("/proc/sys/net/ipv4/tcp_child_ehash_entries").then(
  () => true,
  () => false,
);

Deno.test({
  name: "sandbox: the network namespace has its own TCP connection table (not the host's)",
  ignore: !netns || !childTables,
  fn: () =>
    withState((state) =>
      withUpstream(async (port) => {
        const code = await runSandbox({
          ...await baseOptions(state, port),
          command: ["sh", "-c", "cat /proc/sys/net/ipv4/tcp_ehash_entries > ehash.txt"],
          isolation: "netns",
        });
        assert.equal(code, 0);
        // The kernel shows a namespace sharing the host's table as minus the host's size.
        const inside = Number((await Deno.readTextFile(join(state, "ehash.txt"))).trim());
        assert.ok(inside > 0, `the sandbox shares the host's table (${inside})`);
        const host = Number(await Deno.readTextFile("/proc/sys/net/ipv4/tcp_ehash_entries"));
        assert.ok(inside < Math.abs(host), `${inside} buckets, the host has ${host}`);
      })
    ),
});

Deno.test({
  name: "sandbox: 40 new connections in a row (proxied and captured) are each identified exactly",
  ignore: !netns,
  fn: () =>
    withState((state) =>
      withUpstream(async (port) => {
        // The same program under another path: allowed would mean the identity was not its own.
        const copy = join(state, "other-curl");
        await Deno.copyFile("/usr/bin/curl", copy);
        await Deno.chmod(copy, 0o755);
        // Port 80, which transparent mode captures, served by the test's upstream.
        const url = "http://upstream.test/x";
        const codes = "-s -o /dev/null -w '%{http_code}\\n'";
        const script = [
          "for i in $(seq 10); do",
          `  /usr/bin/curl ${codes} ${url} >> curl.txt`,
          `  ${copy} ${codes} ${url} >> other.txt`,
          `  /usr/bin/curl ${codes} --noproxy '*' ${url} >> curl.txt`,
          `  ${copy} ${codes} --noproxy '*' ${url} >> other.txt`,
          "done",
        ].join("\n");
        const options = await baseOptions(state, 80, "/usr/bin/curl", {
          resolve: [`upstream.test:80:127.0.0.1:${port}`],
        });
        const code = await runSandbox({
          ...options,
          command: ["sh", "-c", script],
          isolation: "netns",
        });
        assert.equal(code, 0);
        const lines = async (name: string) =>
          (await Deno.readTextFile(join(state, name))).trim().split("\n");
        assert.deepEqual(await lines("curl.txt"), Array(20).fill("200"));
        assert.deepEqual(await lines("other.txt"), Array(20).fill("403"));
      })
    ),
});
