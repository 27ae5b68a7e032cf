import assert from "node:assert/strict";
import { PolicyHolder } from "./policy_holder.ts";
import { watchPolicyFile } from "./watch_policy_file.ts";

/** Runs `body` while every `Deno.watchFs` fails as the kernel refuses one when inotify instances run out. */
async function withoutWatches(body: () => Promise<void>): Promise<void> {
  const real = Deno.watchFs;
  Object.assign(Deno, {
    watchFs: () => {
      throw new Error("Too many open files (os error 24)");
    },
  });
  try {
    await body();
  } finally {
    Object.assign(Deno, { watchFs: real });
  }
}

Deno.test("watchPolicyFile follows its file by polling when the kernel refuses a watch", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/team.yaml`;
  await Deno.writeTextFile(file, "version: 1\n");
  const holder = await PolicyHolder.load("team", file);
  const stop = new AbortController();
  const reloaded = Promise.withResolvers<string>();
  await withoutWatches(async () => {
    const watching = watchPolicyFile(holder, file, {
      signal: stop.signal,
      debounceMs: 10,
      onEvent: (event) => reloaded.resolve(String(event.message)),
    });
    try {
      // An atomic writer's rename: a new inode in place of the old one.
      await Deno.writeTextFile(`${file}.tmp`, "version: 1\n# tollgate-revision: 2\n");
      await Deno.rename(`${file}.tmp`, file);
      const timeout = AbortSignal.timeout(10_000);
      const late = new Promise<string>((_, no) =>
        timeout.addEventListener("abort", () => no(new Error("no reload")))
      );
      assert.equal(await Promise.race([reloaded.promise, late]), "Policy reloaded successfully");
      assert.equal(holder.current().revision, 2);
    } finally {
      stop.abort();
      await watching;
    }
  });
  await Deno.remove(dir, { recursive: true });
});
