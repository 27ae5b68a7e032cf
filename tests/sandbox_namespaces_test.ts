/**
 * A netns sandbox's command has its own System V IPC namespace: it cannot attach to, read or
 * change the shared memory, semaphores or message queues of the runner's user outside (a
 * desktop app's shared buffers, another tool's queues), which every process of that user can
 * otherwise reach whatever its network.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation, runSandbox } from "../proxy/sandbox/mod.ts";
import { baseOptions, withState, withUpstream } from "./sandbox_fixtures.ts";

const ignore = (await detectIsolation()) !== "netns";

async function run(args: string[]): Promise<string> {
  const out = await new Deno.Command(args[0]!, { args: args.slice(1), stdout: "piped" }).output();
  assert.ok(out.success, args.join(" "));
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name: "sandbox: the command cannot see the host's System V shared memory (own IPC namespace)",
  ignore,
  fn: () =>
    withState((state) =>
      withUpstream(async (port) => {
        const id = (await run(["ipcmk", "-M", "4096"])).match(/(\d+)\s*$/)![1]!;
        try {
          const code = await runSandbox({
            ...await baseOptions(state, port),
            command: ["sh", "-c", "ipcs -m > ipcs.txt"],
            isolation: "netns",
          });
          assert.equal(code, 0);
          assert.match(await run(["ipcs", "-m"]), new RegExp(`\\s${id}\\s`));
          const inside = await Deno.readTextFile(join(state, "ipcs.txt"));
          assert.doesNotMatch(inside, new RegExp(`\\s${id}\\s`));
        } finally {
          await run(["ipcrm", "-m", id]);
        }
      })
    ),
});
