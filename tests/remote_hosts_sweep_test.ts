/**
 * Namespaces a killed remote run left behind (#19): swept with what runs in them, while a live
 * run's are kept.
 */

import assert from "node:assert/strict";
import { canMakeHosts, hostName, run, sweepStaleHosts } from "./remote_hosts.ts";
import { until } from "./remote_support.ts";

const hostsOk = await canMakeHosts();

Deno.test({
  name: "remote #19: namespaces left by a killed run (its pid dead) are swept, with what runs in " +
    "them; a live run's are kept" +
    (hostsOk ? "" : " (skipped: needs root and network namespaces)"),
  ignore: !hostsOk,
  async fn() {
    const gone = new Deno.Command("true").spawn();
    await gone.status;
    const stale = hostName("remote", gone.pid);
    const live = hostName("keep");
    await run(["ip", "netns", "add", stale]);
    await run(["ip", "netns", "add", live]);
    const args = ["netns", "exec", stale, "sleep", "600"];
    const left = new Deno.Command("ip", { args, stdout: "null", stderr: "null" }).spawn();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await until(
        "the process in the namespace",
        async () => (await run(["ip", "netns", "pids", stale])).trim() !== "",
      );
      assert.deepEqual(await sweepStaleHosts(), [stale]);
      const listed = await run(["ip", "netns", "list"]);
      assert.doesNotMatch(listed, new RegExp(`^${stale}\\b`, "m"));
      assert.match(listed, new RegExp(`^${live}\\b`, "m"));
      // A liveness bound, not a speed target: the sweep ended the process left inside.
      const ended = await Promise.race([
        left.status.then(() => true),
        new Promise<false>((r) => timer = setTimeout(() => r(false), 30_000)),
      ]);
      assert.equal(ended, true, "the process in the stale namespace still runs");
    } finally {
      clearTimeout(timer);
      try {
        left.kill("SIGKILL");
      } catch {
        // Ended by the sweep.
      }
      await left.status;
      await run(["ip", "netns", "del", stale]).catch(() => {});
      await run(["ip", "netns", "del", live]);
    }
  },
});
