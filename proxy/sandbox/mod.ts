/**
 * The sandbox runner: run a command whose only way out is a Tollgate proxy. In netns mode the
 * command lives in a private network namespace where the only reachable endpoint is the proxy,
 * bridged over a Unix socket that carries each client's identity; in env mode only the proxy
 * variables are set.
 *
 * @module
 */

export { ENV_MODE_WARNING, runSandbox } from "./run_sandbox.ts";
export type { RunSandboxOptions } from "./run_sandbox.ts";
export { detectIsolation, probeNetns } from "./detect_isolation.ts";
export type { IsolateMode, Isolation } from "./detect_isolation.ts";
export { SANDBOX_NO_PROXY, sandboxEnv, writeCaBundle } from "./sandbox_env.ts";
export type { CaBundleOptions, SandboxEnvOptions } from "./sandbox_env.ts";
export { confineIdentity } from "./confine_identity.ts";
export type { ConfineOptions } from "./confine_identity.ts";
export { NetnsSandbox } from "./netns_sandbox.ts";
export type { NetnsSpawnOptions, NetnsStartOptions } from "./netns_sandbox.ts";
export { MAX_SOCKET_PATH, UnixBridge } from "./unix_bridge.ts";
export type { BridgeHandler, UnixBridgeOptions } from "./unix_bridge.ts";
export type { IdentityThunk, SandboxProxy } from "./sandbox_proxy.ts";
export { startSandboxProxy } from "./start_sandbox_proxy.ts";
export type { SandboxProxyOptions, SandboxProxyStack } from "./start_sandbox_proxy.ts";
