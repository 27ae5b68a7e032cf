/**
 * A netns sandbox's `/sys` is read-only, every mount below it included. sysfs and cgroup files
 * are checked by owner and mode alone: a runner that is root (a CI container, a VM) would let
 * the command write kernel knobs (`/sys/power/state` suspends the machine), and a desktop user's
 * delegated cgroups would let it freeze or starve the user's session, the proxy included.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation, runSandbox } from "../proxy/sandbox/mod.ts";
import { baseOptions, pathWithoutBwrap, withState, withUpstream } from "./sandbox_fixtures.ts";

const ignore = (await detectIsolation()) !== "netns";

// A knob every kernel has; the command writes back the value it reads.
const KNOB = "/sys/kernel/mm/transparent_hugepage/enabled";
const SCRIPT =
  `awk '$5 == "/sys" || $5 ~ /^\\/sys\\// {print $5, $6}' /proc/self/mountinfo > mounts.txt
v=$(sed -E 's/.*\\[(.*)\\].*/\\1/' ${KNOB} 2>/dev/null) && { echo "$v" > ${KNOB}; } 2> write.txt || true`;

for (const bwrap of [true, false]) {
  Deno.test({
    name: `sandbox: every mount at /sys and below is read-only for the command (${
      bwrap ? "bubblewrap" : "no bubblewrap"
    })`,
    ignore,
    fn: () =>
      withState((state) =>
        withUpstream(async (port) => {
          const options = await baseOptions(state, port);
          const path = bwrap ? Deno.env.get("PATH") : await pathWithoutBwrap(state);
          const code = await runSandbox({
            ...options,
            env: { PATH: path },
            command: ["sh", "-c", SCRIPT],
            isolation: "netns",
          });
          assert.equal(code, 0);
          const mounts = (await Deno.readTextFile(join(state, "mounts.txt"))).trim().split("\n");
          assert.ok(mounts.length > 0 && mounts[0]!.startsWith("/sys "), mounts.join("\n"));
          // A mount covered by a later one at the same point (bwrap's read-only bind over the
          // host's) cannot be reached by path: the last one listed at each point is the one seen.
          const seen = new Map(mounts.map((line) => [line.split(" ")[0]!, line]));
          const writable = [...seen.values()].filter((line) => !/ ro(,|$)/.test(line));
          assert.deepEqual(writable, []);
          const written = await Deno.readTextFile(join(state, "write.txt")).catch(() => "");
          if (written !== "") assert.match(written, /Read-only file system/);
        })
      ),
  });
}
