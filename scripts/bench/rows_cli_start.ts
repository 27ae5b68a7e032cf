/**
 * CLI start-up rows (issue #18 item 5): `tollgate --version` and `tollgate proposals list`
 * (on an empty policies directory) as a person runs them, a whole `deno run` each, paired
 * with a `deno run` of an empty module under the same configuration. Each command group is
 * imported only when it runs, so these pay for what they use and nothing else.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchSetup } from "./setup.ts";
import type { Row } from "./row.ts";
import { measurePaired } from "./rows_sandbox.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The two start-up rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { cliStartRows } from "./rows_cli_start.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir,
 * };
 * const rows = await cliStartRows(setup, 5);
 * assert.ok(rows.every((row) => row.info.id.startsWith("control.")));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function cliStartRows(setup: BenchSetup, runs: number): Promise<Row[]> {
  const dir = join(setup.dir, "cli-start");
  await Deno.mkdir(join(dir, "policies", "pending"), { recursive: true });
  const empty = join(dir, "empty.ts");
  await Deno.writeTextFile(empty, "");
  const main = join(ROOT, "main.ts");
  const control = () => denoRun(dir, [empty]);
  const row = (id: string, label: string, args: string[]): Row => ({
    info: { id, group: "control", label, per: "run" },
    measure: () =>
      measurePaired(runs, () => denoRun(dir, [main, ...args]), control, "a whole deno run"),
  });
  return [
    row("control.cli_version", "tollgate --version (paired: empty deno run)", ["--version"]),
    row("control.cli_proposals_list", "tollgate proposals list (paired: empty deno run)", [
      "proposals",
      "list",
    ]),
  ];
}

async function denoRun(cwd: string, args: string[]): Promise<void> {
  const config = join(ROOT, "deno.json");
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "--config", config, ...args],
    cwd,
    stdout: "null",
    stderr: "null",
  }).output();
  if (code !== 0) throw new Error(`deno run ${args.join(" ")} exited with ${code}`);
}
