import assert from "node:assert/strict";
import { budgetFor } from "./budget.ts";
import { buildRows } from "./build_rows.ts";
import { ChildProcesses } from "./child_processes.ts";
import { measureRows, measureStage } from "./measure_rows.ts";
import type { Sample } from "./report.ts";
import type { Row, RowStage } from "./row.ts";
import type { BenchSetup } from "./setup.ts";
import type { TestCertificates } from "./test_ca.ts";
import type { UpstreamPorts } from "./upstream_servers.ts";

/** A row whose one sample says which fixtures were up while it was measured. */
function probeRow(id: string, up: Set<string>): Row {
  const measure = (): Promise<Sample> =>
    Promise.resolve({ samples: 1, errors: 0, note: [...up].sort().join(",") || "none" });
  return { info: { id, group: "scale", label: id }, measure };
}

function stage(name: string, up: Set<string>, rowIds: string[]): RowStage {
  return {
    name,
    build: (stack) => {
      up.add(name);
      stack.defer(() => void up.delete(name));
      return Promise.resolve(rowIds.map((id) => probeRow(id, up)));
    },
  };
}

Deno.test("measureStage() keeps each fixture up only while its own rows run", async () => {
  const up = new Set<string>();
  const options = { log: () => {} };
  const ordinary = await measureRows([probeRow("plain", up)], 2, options);
  const first = await measureStage(stage("fleet", up, ["a", "b"]), () => true, 2, options);
  const second = await measureStage(stage("crowd", up, ["c", "skip"]), (id) => id !== "skip", 2, {
    log: () => {},
  });
  const seen = [...ordinary, ...first, ...second].map((r) => [r.id, r.runs, r.notes.join()]);
  assert.deepEqual(seen, [
    ["plain", 2, "none"],
    ["a", 2, "fleet"],
    ["b", 2, "fleet"],
    ["c", 2, "crowd"],
  ]);
  assert.equal(up.size, 0, "every fixture torn down");
});

Deno.test("buildRows() with --scale sets up no scale fixture before its stage runs", async () => {
  await using children = new ChildProcesses();
  await using stack = new AsyncDisposableStack();
  const setup: BenchSetup = {
    budget: budgetFor(false),
    certs: { caPem: "", chainPem: "", keyPem: "" } as TestCertificates,
    upstreams: { httpPort: 9, httpsPort: 9 } as UpstreamPorts,
    dir: "/nonexistent",
  };
  const wanted = (prefix: string) => prefix.startsWith("scale") || "scale".startsWith(prefix);
  const { rows, stages } = await buildRows(setup, children, stack, wanted, true);
  assert.ok(rows.every((r) => r.info.group === "direct"), "only the always-built direct rows");
  assert.equal(stages.length, 3);
  assert.equal(children.running.length, 0, "nothing started yet");
});
