/**
 * The two YAML packages, loaded on first use. A proxy parses every policy Tollgate writes with
 * `_block_yaml.ts` and never runs either package; importing them at start-up cost every proxy
 * about 6 MB of resident memory (`yaml` is CommonJS, so with it came Node's module loader and
 * some 60 files) for a path taken only by an unusual or invalid file. `require` (not `import()`)
 * keeps `parsePolicy()` synchronous, and returns the very instance a static `import "yaml"`
 * elsewhere (the gateway's) has loaded.
 *
 * @module
 */

import { createRequire } from "node:module";
import type * as Yaml from "yaml";
import type * as JsYaml from "js-yaml";

const load = createRequire(import.meta.url);

/**
 * The `yaml` package (positions, every construct, the slow path).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { yamlPackage } from "./_yaml_packages.ts";
 * assert.deepEqual(yamlPackage().parse("a: [1]\n"), { a: [1] });
 * ```
 */
export function yamlPackage(): typeof Yaml {
  return load("yaml");
}

/**
 * The `js-yaml` package (the fast general parse).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsYamlPackage } from "./_yaml_packages.ts";
 * assert.deepEqual(jsYamlPackage().load("a: [1]\n"), { a: [1] });
 * ```
 */
export function jsYamlPackage(): typeof JsYaml {
  return load("js-yaml");
}
