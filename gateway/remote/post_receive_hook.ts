/**
 * The `post-receive` hook `tollgate remote install-hook` writes into a bare remote: after every
 * push it POSTs an empty body to each gateway.s hook listener, in the background, so the push
 * never waits for a gateway. The signal carries no data ("something changed, go fetch").
 *
 * @module
 */

import { join } from "node:path";

/**
 * The hook script for `urls` (each an `http(s)://` URL of plain characters, so it can be
 * quoted for the shell without escaping).
 *
 * @throws {TypeError} for a URL that is not a plain http(s) URL
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { postReceiveHook } from "./post_receive_hook.ts";
 * assert(postReceiveHook(["http://10.0.0.2:8788/v1/remote-changed"]).startsWith("#!/bin/sh"));
 * ```
 */
export function postReceiveHook(urls: readonly string[]): string {
  for (const url of urls) {
    if (!/^https?:\/\/[A-Za-z0-9.:\[\]_%/-]+$/.test(url)) {
      throw new TypeError(`Invalid hook URL "${url}": use http(s)://HOST:PORT/v1/remote-changed`);
    }
  }
  const list = urls.map((u) => `'${u}'`).join(" ");
  return [
    "#!/bin/sh",
    "# Installed by tollgate: tell each gateway the branch moved (an empty POST; it carries no",
    "# data, the gateway fetches). In the background: the push never waits for a gateway.",
    "# Read the pushed refs with the shell's own read: no process is started for it.",
    "while read -r _ _ _; do :; done",
    `for url in ${list}; do`,
    '  (curl -fsS -m 2 -X POST -d "" "$url" || wget -q -T 2 --post-data= -O - "$url") \\',
    "    </dev/null >/dev/null 2>&1 &",
    "done",
    "exit 0",
    "",
  ].join("\n");
}

/**
 * Write the hook into the bare repository `repo` (`hooks/post-receive`, executable).
 *
 * @returns the hook's path
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { installPostReceiveHook } from "./post_receive_hook.ts";
 * const dir = await Deno.makeTempDir();
 * await new Deno.Command("git", { args: ["init", "-q", "--bare", dir] }).output();
 * const path = await installPostReceiveHook(dir, ["http://10.0.0.2:8788/v1/remote-changed"]);
 * assert.equal(path, `${dir}/hooks/post-receive`);
 * assert.equal((await Deno.stat(path)).mode! & 0o111, 0o111); // executable
 * assert.match(await Deno.readTextFile(path), /http:\/\/10\.0\.0\.2:8788/);
 * await assert.rejects(installPostReceiveHook(`${dir}/nope`, []), TypeError);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function installPostReceiveHook(
  repo: string,
  urls: readonly string[],
): Promise<string> {
  const script = postReceiveHook(urls);
  await Deno.stat(join(repo, "HEAD")).catch(() => {
    throw new TypeError(`"${repo}" is not a bare Git repository`);
  });
  await Deno.mkdir(join(repo, "hooks"), { recursive: true });
  const path = join(repo, "hooks", "post-receive");
  await Deno.writeTextFile(path, script, { mode: 0o755 });
  await Deno.chmod(path, 0o755);
  return path;
}
