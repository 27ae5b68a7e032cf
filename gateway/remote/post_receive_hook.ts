/**
 * The `post-receive` hook `tollgate remote install-hook` writes into a bare remote: after every
 * push it POSTs an empty body to each gateway's hook listener, in the background, so the push
 * never waits for a gateway. The signal carries no data ("something changed, go fetch").
 *
 * @module
 */

import { join } from "node:path";

// bash's /dev/tcp sends the POST for an http:// gateway: bash starts in a third of curl's time
// (16 against 32 ms on a host where starting a process is dear), and the signal is on the
// path from a push to the other gateways' proxies. Arguments: host, port, path, authority.
// Only a 2xx status line counts; anything else falls back to curl. bash bounds itself: a
// watchdog (a subshell, started beside the connect, not before it as `timeout` was) kills it
// after 2 s, so a gateway that never answers, or a connect that hangs, holds no process.
const BASH_POST = [
  "{ sleep 2; kill -9 $$; } </dev/null >/dev/null 2>&1 &",
  "w=$!",
  // No single quote anywhere: the hook quotes this script in single quotes.
  'trap "kill $w 2>/dev/null" EXIT',
  'exec 3<>"/dev/tcp/$1/$2" || exit 1',
  'printf "POST %s HTTP/1.1\\r\\nHost: %s\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n" "$3" "$4" >&3 || exit 1',
  "IFS= read -r -t 2 line <&3 || exit 1",
  'case $line in "HTTP/1."?" 2"*) exit 0;; esac',
  "exit 1",
].join("\n");

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
  return [
    "#!/bin/sh",
    "# Installed by tollgate: tell each gateway the branch moved (an empty POST; it carries no",
    "# data, the gateway fetches). In the background: the push never waits for a gateway.",
    "# Read the pushed refs with the shell's own read: no process is started for it.",
    "while read -r _ _ _; do :; done",
    "# An http:// gateway hears it from bash's /dev/tcp (bash gives up after 2 s); an https://",
    "# one, or a host without bash, from curl or wget.",
    "post() {",
    '  if [ -n "$2" ] && [ -x /bin/bash ]; then',
    `    /bin/bash -c '${BASH_POST}' post "$2" "$3" "$4" "$5" && return 0`,
    "  fi",
    '  curl -fsS -m 2 -X POST -d "" "$1" || wget -q -T 2 --post-data= -O - "$1"',
    "}",
    ...urls.map((url) => `post ${hookArgs(url)} </dev/null >/dev/null 2>&1 &`),
    "exit 0",
    "",
  ].join("\n");
}

/** `'URL' 'HOST' 'PORT' 'PATH' 'AUTHORITY'` for an http URL; `'URL' '' '' '' ''` for https. */
function hookArgs(url: string): string {
  const parsed = new URL(url);
  const quoted = (...parts: string[]) => parts.map((p) => `'${p}'`).join(" ");
  if (parsed.protocol !== "http:") return quoted(url, "", "", "", "");
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  return quoted(url, host, parsed.port || "80", parsed.pathname, parsed.host);
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
