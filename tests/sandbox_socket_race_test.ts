/**
 * A netns sandbox starts while other projects' sandboxes and the host's servers come and go:
 * the host sockets it lists as it starts may be removed at any moment of its setup. Before, one
 * removed just after its `/dev/null` cover was made stopped the start: the kernel takes the
 * cover off before the name goes, so for a moment the path read as a socket again ("cannot cover
 * the host socket"), or bubblewrap, remounting each cover nosuid, found one gone ("Can't bind
 * mount /oldroot/ on /newroot/"). A user's second sandbox must start, and no socket that stays
 * (nor another sandbox's bound after the start) may be reached.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation, runSandbox } from "../proxy/sandbox/mod.ts";
import {
  baseOptions,
  delay,
  hostSocket,
  NO_RULES,
  UNIX_SOCKET_CLIENT,
  withState,
} from "./sandbox_fixtures.ts";

const ignore = (await detectIsolation()) !== "netns";

/** Sockets as another project's sandboxes (`.tollgate/sandboxes/sb-ID/proxy.sock`) and servers. */
function otherSockets(other: string, count: number): { close: () => Promise<void> }[] {
  return Array.from({ length: count }, (_, index) => {
    const id = crypto.randomUUID().slice(0, 8);
    const dir = index % 2 === 0 ? join(other, ".tollgate", "sandboxes", `sb-${id}`) : other;
    Deno.mkdirSync(dir, { recursive: true });
    const socket = hostSocket(join(dir, index % 2 === 0 ? "proxy.sock" : `${id}.sock`));
    return {
      close: async () => {
        await socket.close();
        if (dir !== other) await Deno.remove(dir, { recursive: true });
      },
    };
  });
}

/**
 * Whether the sandbox's setup has written the table that covers `other`'s sockets (the last
 * batch it mounts; its file lies in the sandbox's folder): they are removed just then.
 */
function coversWritten(stateDir: string, other: string): boolean {
  try {
    for (const entry of Deno.readDirSync(join(stateDir, "sandboxes"))) {
      const table = join(stateDir, "sandboxes", entry.name, "mounts.fstab");
      if (Deno.readTextFileSync(table).includes(other)) return true;
    }
  } catch {
    // Not written yet, or the sandbox's folder is gone.
  }
  return false;
}

Deno.test({
  name: "sandbox: host sockets removed while it starts (other sandboxes ending) do not stop it",
  ignore,
  fn: () =>
    withState(async (state) => {
      const other = await Deno.makeTempDir({ prefix: "tg-other-project-" });
      const options = await baseOptions(state, 9, "/usr/bin/curl", { policy: NO_RULES });
      const codes: number[] = [];
      try {
        for (let round = 0; round < 8; round++) {
          const sockets = otherSockets(other, 160);
          let starting = true;
          const removing = (async () => {
            while (starting && !coversWritten(options.stateDir, other)) await delay(1);
            // Spread over the covers' check and bubblewrap's remounts, which follow.
            await delay(Math.random() * 20);
            await Promise.all(sockets.map((socket) => socket.close()));
          })();
          // Its standard error shows why a start stopped.
          const code = await runSandbox({
            ...options,
            command: ["true"],
            isolation: "netns",
            stdio: "inherit",
          });
          starting = false;
          await removing;
          codes.push(code);
        }
      } finally {
        await Deno.remove(other, { recursive: true });
      }
      assert.deepEqual(codes, Array(8).fill(0));
    }),
});

Deno.test({
  name:
    "sandbox: another project's sandbox sockets cannot be reached, live or bound after the start",
  ignore,
  fn: () =>
    withState(async (state) => {
      const other = await Deno.makeTempDir({ prefix: "tg-other-project-" });
      const sandboxes = join(other, ".tollgate", "sandboxes");
      const [live, later] = ["sb-0a0a0a0a", "sb-0b0b0b0b"].map((id) => join(sandboxes, id));
      await Deno.mkdir(live!, { recursive: true });
      const liveSocket = hostSocket(join(live!, "proxy.sock"));
      let laterSocket: { close: () => Promise<void> } | undefined;
      try {
        const options = await baseOptions(state, 9, "/usr/bin/curl", { policy: NO_RULES });
        const client = (path: string) => `python3 -c "$0" ${path}`;
        const wait = "touch started; while [ ! -e go ]; do sleep 0.02; done";
        const script = [
          client(join(live!, "proxy.sock")),
          wait,
          client(join(later!, "proxy.sock")),
        ].join("; ");
        const running = runSandbox({
          ...options,
          command: ["sh", "-c", `{ ${script}; } > out.txt 2>&1`, UNIX_SOCKET_CLIENT],
          isolation: "netns",
        });
        while (!(await Deno.stat(join(state, "started")).then(() => true, () => false))) {
          await delay(20);
        }
        // Another sandbox of that project starts meanwhile.
        await Deno.mkdir(later!, { recursive: true });
        laterSocket = hostSocket(join(later!, "proxy.sock"));
        await Deno.writeTextFile(join(state, "go"), "");
        assert.equal(await running, 0);
        const out = await Deno.readTextFile(join(state, "out.txt"));
        assert.match(out, /^refused: .*\nrefused: .*\n$/, out);
      } finally {
        await liveSocket.close();
        await laterSocket?.close();
        await Deno.remove(other, { recursive: true });
      }
    }),
});
