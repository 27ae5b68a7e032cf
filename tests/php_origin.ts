/**
 * A real origin that reads `_method` as Symfony's `Request::getMethod()` does with
 * `httpMethodParameterOverride` on (Laravel turns it on): a POST runs as the override header,
 * else the form's `_method` (`$_POST`), else the query's (`$_GET`), upper-cased when it is a
 * string. PHP's own parser (`php -S`, Debian's `php-cli`) reads the names, so `?.method=` and
 * `?+_method=` are `_method` as they are to any PHP application.
 *
 * @module
 */

import { commandMissing, startPhpRouterOrigin } from "./support/script_origin.ts";

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
export function phpMissing(): Promise<string | undefined> {
  return commandMissing("php", ["-v"], {
    absent: "php-cli is not installed",
    lacking: "php-cli does not run",
  });
}

/** Start the origin in `dir` on a free port of 127.0.0.1. */
export function startPhpOrigin(dir: string): Promise<PhpOrigin> {
  return startPhpRouterOrigin(dir, ROUTER);
}
