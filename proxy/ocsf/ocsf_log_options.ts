/**
 * The options of the OCSF file sink ({@linkcode OcsfLog} in `ocsf_log.ts`) and their defaults.
 *
 * @module
 */

/** Options of `OcsfLog`. */
export interface OcsfLogOptions {
  /**
   * Keep the day's files open between appends (closed by `OcsfLog.close`, and
   * reopened when the date changes), and write to them in the background: writes leave in
   * order from a queue, so the caller's thread does not wait on the disk. A denial, whose 403
   * waits for its line anyway, is written before append returns when nothing is queued and
   * few decisions are held.
   * Off by default: without it no file handle outlives a call and each append writes before
   * it returns.
   */
  keepOpen?: boolean;
  /**
   * Hold allowed network decisions for up to this many ms and write them together (one write
   * per file per batch), so that a request makes no file write on its way upstream. Any other
   * event (a denial, a config or proposal event) writes the held ones and itself at once, in
   * order, so `/v1/denials` and `logs --follow` see a denial as it happens. A process killed
   * outright loses at most this window of allowed decisions; `OcsfLog.close` and
   * `OcsfLog.flush` write them. 0 (the default) writes every event at once.
   */
  batchMs?: number;
  /** Start the day's next file (`ocsf.DAY.N.jsonl`) once the current one reaches this size. */
  maxFileBytes?: number;
  /** Delete the files of days more than this many days before the day being written. */
  keepDays?: number;
  /**
   * Past this many bytes of log files in the directory, delete the oldest allowed-event
   * segments (their denials files kept), then the oldest denials files; checked at the
   * first write and at each new segment. A `PRUNED` CONFIG event names what went. 0 (the
   * default): no budget.
   */
  budgetBytes?: number;
  /**
   * Hears, at most once per 10 s each, that events could not be written (a full disk: they
   * are counted, and a CONFIG event records the gap once writing works again) and that the
   * budget deleted files.
   */
  onTrouble?: (message: string) => void;
}

/** What an absent option means. */
export const OCSF_LOG_DEFAULTS = {
  keepOpen: false,
  batchMs: 0,
  maxFileBytes: 256 * 1024 * 1024,
  keepDays: 14,
  budgetBytes: 0,
} satisfies Omit<Required<OcsfLogOptions>, "onTrouble">;

/**
 * The audit budget a proxy's log directory gets unless told otherwise (`--log-budget-mb`):
 * 4 GiB, sixteen files of the default rotation size, and more than 14 days of a busy agent
 * (700,000 allowed requests a day at 0.39 KB each); an agent writing at the default pace
 * (1 MB/s) reaches it in about 70 minutes, and from then on loses its oldest allowed events.
 */
export const DEFAULT_LOG_BUDGET_BYTES = 4096 * 1024 * 1024;
