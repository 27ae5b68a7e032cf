/**
 * A benchmark row before it runs: its description and how to measure it once, or why it
 * cannot be measured here.
 *
 * @module
 */

import type { RowInfo, Sample } from "./report.ts";

/** A row to measure (once per repetition) or to report as skipped. */
export interface Row {
  /** Id, group, label and baseline of the row. */
  info: RowInfo;
  /** Measure once; absent when `skipped` is set. */
  measure?: () => Promise<Sample>;
  /** Why the row is not measured (a binary is missing, a module has not landed …). */
  skipped?: string;
  /** Lines for the notes under the table, from all the row's samples. */
  describe?: (samples: Sample[]) => string[];
}

/**
 * Rows whose fixture (the 100-proxy fleet, 10,000 pending proposals, Squids started for them…)
 * lives only while they run: built after every ordinary row is measured, their repetitions
 * run back to back, and the fixture torn down before the next stage, so that no row measures
 * a host crowded by another row's set-up.
 */
export interface RowStage {
  /** What the stage sets up, for the progress lines. */
  name: string;
  /** Set up the fixture, registering its teardown on `stack`, and return its rows. */
  build(stack: AsyncDisposableStack): Promise<Row[]>;
}
