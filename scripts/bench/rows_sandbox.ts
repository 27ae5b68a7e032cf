/**
 * The sandbox start-up rows: what `tollgate sandbox run -- true` costs over running `true`
 * (issue #13: at most 150 ms), without and with a `filesystem_policy`, in this process: choose
 * the isolation (the netns probe's answer remembered in the state directory, as the CLI does),
 * load the CA, start the sandbox's own proxy, namespaces and forwarder, run `true`, tear it all
 * down. Deno's own start-up and the CLI's module loading are not part of it.
 *
 * @module
 */

import { join } from "node:path";
import { CertificateAuthority, startProxyService } from "../../proxy/mod.ts";
import { chooseIsolation, runSandbox } from "../../proxy/sandbox/mod.ts";
import type { BenchSetup } from "./setup.ts";
import type { Row } from "./row.ts";
import type { RowInfo, Sample } from "./report.ts";
import { summarize } from "./stats.ts";

const POLICY = [
  "version: 1",
  "network_policies:",
  "  web:",
  "    endpoints: [{ host: api.example.com, port: 443, protocol: rest, access: read-only }]",
  "    binaries: [{ path: /usr/bin/curl }]",
  "",
].join("\n");

/** The two rows: the policy above, and the same confining files (system paths, workdir, /tmp). */
const PLAIN_ROW = {
  id: "control.sandbox_run_true",
  label: "sandbox run -- true (paired: true)",
  dir: "sandbox-start",
  policy: POLICY,
  note: undefined,
};
const CONFINED_ROW = {
  id: "control.sandbox_run_true_confined",
  label: "sandbox run -- true, filesystem_policy (paired: true)",
  dir: "sandbox-start-confined",
  policy: POLICY.replace(
    "network_policies:",
    "filesystem_policy:\n  include_workdir: true\nnetwork_policies:",
  ),
  note:
    "as the row above, plus the confine step (Landlock; Perl, else a deno run) and a fresh HOME",
};

/**
 * `sandbox run -- true` against `true`, timed in turn `runs` times (the first of each
 * untimed); the row's paired figures are those of `true`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { sandboxStartRow } from "./rows_sandbox.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir,
 * };
 * const row = await sandboxStartRow(setup, 5); // skipped where network namespaces are denied
 * assert.equal(row.info.id, "control.sandbox_run_true");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function sandboxStartRow(
  setup: BenchSetup,
  runs: number,
  confined = false,
): Promise<Row> {
  const variant = confined ? CONFINED_ROW : PLAIN_ROW;
  const info: RowInfo = { id: variant.id, group: "control", label: variant.label, per: "run" };
  const choice = await chooseIsolation("auto");
  if (choice.isolation !== "netns") {
    return { info, skipped: `no network namespace here (${choice.fallbackReason})` };
  }
  const root = join(setup.dir, variant.dir);
  const policiesDir = join(root, "policies");
  await Deno.mkdir(policiesDir, { recursive: true });
  await Deno.writeTextFile(join(policiesDir, "p.yaml"), variant.policy);
  const once = () => sandboxTrue(root, policiesDir);
  return { info, measure: () => measurePaired(runs, once, runTrue, variant.note) };
}

/**
 * Time `subject` and `control` in turn `runs` times (the first of each untimed); the sample's
 * paired figures are the control's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measurePaired } from "./rows_sandbox.ts";
 *
 * const pause = (ms: number) => () => new Promise<void>((resolve) => setTimeout(resolve, ms));
 * const sample = await measurePaired(3, pause(2), pause(1), "a 2 ms pause against a 1 ms one");
 * assert.equal(sample.samples, 3);
 * assert.ok(sample.pairedP50Us! > 0); // the control's median
 * ```
 */
export async function measurePaired(
  runs: number,
  subject: () => Promise<void>,
  control: () => Promise<void>,
  note: string | undefined =
    "in-process: the netns choice (probe remembered), the CA, the sandbox's proxy, namespaces, forwarder",
): Promise<Sample> {
  await subject();
  await control();
  const timed: number[] = [];
  const paired: number[] = [];
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    timed.push(await time(subject));
    paired.push(await time(control));
  }
  const ours = summarize(timed, performance.now() - start);
  const theirs = summarize(paired, paired.reduce((a, b) => a + b, 0));
  return {
    ...ours,
    pairedReqPerSec: theirs.reqPerSec,
    pairedP50Us: theirs.p50Us,
    errors: 0,
    note,
  };
}

async function time(work: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

async function sandboxTrue(root: string, policiesDir: string): Promise<void> {
  const stateDir = join(root, ".tollgate");
  // As the CLI does: the probe's yes is remembered in the state directory (made by the first run).
  const { isolation } = await chooseIsolation("auto", { path: Deno.env.get("PATH"), stateDir });
  const ca = await CertificateAuthority.loadOrCreate(stateDir);
  const code = await runSandbox({
    command: ["true"],
    isolation,
    stateDir,
    caPem: ca.certPem,
    readOnly: [policiesDir],
    env: { PATH: Deno.env.get("PATH"), HOME: Deno.env.get("HOME") },
    cwd: root,
    stdio: "null",
    startProxy: async (inside) => {
      const service = await startProxyService({
        policy: "p",
        policiesDir,
        stateDir,
        ca,
        listenerIdle: inside.viaBridge,
      });
      return {
        ...service,
        policyPorts: () => [80, 443],
        staticSections: () => service.holder.current().policy,
      };
    },
  });
  if (code !== 0) throw new Error(`sandbox run -- true exited with ${code}`);
}

async function runTrue(): Promise<void> {
  const { code } = await new Deno.Command("true", { stdout: "null", stderr: "null" }).output();
  if (code !== 0) throw new Error(`true exited with ${code}`);
}
