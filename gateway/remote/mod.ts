/**
 * Beyond one machine (ARCHITECTURE §7): a gateway's policies clone kept in step with a shared
 * Git remote — decisions pushed as fast-forwards and retried on a lost race, remote changes
 * fetched on a change signal or an interval — and a proxy's failover over several gateways.
 *
 * @module
 */

export { RemoteSync } from "./remote_sync.ts";
export { RemoteSyncError } from "./remote_sync_error.ts";
export type { RemoteSyncOptions } from "./remote_sync_options.ts";
export { RemoteProposalStore } from "./remote_proposal_store.ts";
export { HoldingWatcher } from "./holding_watcher.ts";
export type { HookListener } from "./hook_listener.ts";
export { installPostReceiveHook, postReceiveHook } from "./post_receive_hook.ts";
export { openRemote } from "./open_remote.ts";
export type { RemoteOptions, RemoteParts } from "./open_remote.ts";
