/**
 * A real origin that reads `_method` as Symfony's `Request::getMethod()` does with
 * `httpMethodParameterOverride` on (Laravel turns it on): a POST runs as the override header,
 * else the form's `_method` (`$_POST`), else the query's (`$_GET`), upper-cased when it is a
 * string. PHP's own parser (`php -S`, Debian's `php-cli`) reads the names, so `?.method=` and
 * `?+_method=` are `_method` as they are to any PHP application.
 *
 * @module
 */

import { join } from "node:path";
import { freePort, startScriptOrigin } from "./support/script_origin.ts";

const ROUTER = `<?php
$method = $_SERVER['REQUEST_METHOD'];
if ($method === 'POST') {
  $override = $_SERVER['HTTP_X_HTTP_METHOD_OVERRIDE'] ?? null;
  if (!$override) $override = $_POST['_method'] ?? ($_GET['_method'] ?? 'POST');
  if (is_string($override)) $method = strtoupper($override);
}
file_put_contents(getenv('SEEN_LOG'), $method . "\\n", FILE_APPEND | LOCK_EX);
echo $method;
`;

/** A running PHP origin. */
export interface PhpOrigin {
  port: number;
  /** The method each request ran as, in order. */
  seen(): Promise<string[]>;
  close(): Promise<void>;
}

/** Why the PHP origin cannot run here, or undefined when it can. */
export async function phpMissing(): Promise<string | undefined> {
  try {
    const probe = await new Deno.Command("php", { args: ["-v"], stdout: "null", stderr: "null" })
      .output();
    return probe.success ? undefined : "php-cli does not run";
  } catch {
    return "php-cli is not installed";
  }
}

/** Start the origin in `dir` on a free port of 127.0.0.1. */
export async function startPhpOrigin(dir: string): Promise<PhpOrigin> {
  const router = join(dir, "router.php");
  const log = join(dir, `php-${crypto.randomUUID()}.log`);
  await Deno.writeTextFile(router, ROUTER);
  // PHP's server says its port only on stderr, among a line per connection: pick one first.
  const port = freePort();
  const args = ["-S", `127.0.0.1:${port}`, router];
  return startScriptOrigin({
    name: "PHP",
    command: "php",
    args,
    log,
    env: { SEEN_LOG: log },
    port,
  });
}
