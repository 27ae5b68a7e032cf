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
