/**
 * The policy a proxy holds: {@linkcode PolicyHolder} swaps it atomically on reload (a new
 * generation), loads large texts off the event loop, and keeps the snapshot policy.local
 * reads; {@linkcode watchPolicyFile} and {@linkcode reloadFromText} feed it from a file or a
 * gateway's push. The transport never imports it: it sees the holder as a `LivePolicy`.
 *
 * @module
 */

export { PolicyHolder } from "./policy_holder.ts";
export type { PolicyHolderOptions, ReloadOptions, UpdateResult } from "./policy_holder.ts";
export type { PolicySnapshot } from "./policy_snapshot.ts";
export { watchPolicyFile } from "./watch_policy_file.ts";
export type { WatchOptions } from "./watch_policy_file.ts";
export { changesOnly, reloadFromText } from "./reload_from_text.ts";
export { OFF_THREAD_CHARS } from "./_parse_off_thread.ts";
