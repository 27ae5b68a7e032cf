/**
 * `deno task bench [--quick] [--json FILE] [--only PREFIX,…] [--no-pin]`: start upstreams and proxies
 * on loopback, measure every row, print the table, write the JSON report, stop everything.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { ChildProcesses, renderReport, runBench } from "./bench/mod.ts";

const USAGE =
  `Usage: deno task bench [--quick] [--scale] [--json FILE] [--only PREFIX,...] [--no-pin]

  --quick         one short repetition (CI smoke; under 60 s)
  --scale         add the rows at scale (10,000 rules, 10,000 pending proposals, 100 proxies;
                  64 and 256 clients beside Squid and ssl-bump Squid, bulk transfers,
                  identity at 2,000 processes; minutes of set-up; ignored with --quick).
                  Measured after the other rows, each fixture set up just before its rows
                  and torn down after them, so the other rows measure the same host
  --json FILE     where to write the JSON report (default bench-results/bench-<time>.json)
  --only P1,P2    only rows whose id starts with a prefix (direct, tollgate, peer.squid,
                  decide, memory, control, ...)
  --no-pin        let the scheduler place the processes (by default the load generator
                  runs on CPU 0 and the upstream and proxies on the others while the
                  data-plane rows are timed)
`;

interface Args {
  quick: boolean;
  json?: string;
  only?: string[];
  noPin?: boolean;
  scale?: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new TypeError(`Option "${arg}" needs a value`);
      return v;
    };
    if (arg === "--quick") args.quick = true;
    else if (arg === "--json") args.json = value();
    else if (arg.startsWith("--json=")) args.json = arg.slice(7);
    else if (arg === "--only") args.only = value().split(",").filter(Boolean);
    else if (arg === "--no-pin") args.noPin = true;
    else if (arg === "--scale") args.scale = true;
    else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    } else throw new TypeError(`Unknown argument "${arg}"`);
  }
  return args;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(Deno.args);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const children = new ChildProcesses();
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) {
      // Second Ctrl-C: stop the children now and leave.
      children.stopAll().finally(() => Deno.exit(130));
      return;
    }
    console.error("Interrupted: stopping after the current row (Ctrl-C again to force)");
    controller.abort();
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, onSignal);
  try {
    const report = await runBench({
      quick: args.quick,
      only: args.only,
      noPin: args.noPin,
      scale: args.scale,
      children,
      log: (line) => console.error(line),
      signal: controller.signal,
    });
    // Under `deno task`, the task runs in the project root; INIT_CWD is where the user was.
    const cwd = Deno.env.get("INIT_CWD") ?? Deno.cwd();
    const stamp = report.startedAt.replace(/[:.]/g, "-");
    const file = resolve(cwd, args.json ?? `bench-results/bench-${stamp}.json`);
    await Deno.mkdir(dirname(file), { recursive: true });
    await Deno.writeTextFile(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(renderReport(report));
    console.log(`JSON report: ${file}`);
    return 0;
  } catch (error) {
    if (controller.signal.aborted) {
      console.error("Benchmark interrupted: everything it started has been stopped");
      return 130;
    }
    console.error(`Benchmark failed: ${error instanceof Error ? error.message : error}`);
    return 1;
  } finally {
    await children.stopAll();
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      Deno.removeSignalListener(signal, onSignal);
    }
  }
}

if (import.meta.main) Deno.exit(await main());
