/**
 * The configuration file of a Tollgate proxy child (`proxy_child.ts`), written by the
 * benchmark. Kept apart so that the benchmark does not import the proxy itself.
 *
 * @module
 */

/** How a proxy child identifies requesters (see {@linkcode ProxyChildConfig.identity}). */
export type ProxyIdentity = "fixed" | "proc" | "proc_tree";

/** The child's configuration, written by the benchmark. */
export interface ProxyChildConfig {
  /** The policies directory: the proxy enforces its `bench.yaml`, as `tollgate proxy` would. */
  policiesDir: string;
  /** State directory: the Tollgate CA is created here. */
  stateDir: string;
  resolve: { host: string; port: number; address: string }[];
  upstreamCaPem: string;
  /**
   * `fixed`: every requester is FIXED_EXE (no /proc cost); `proc`: the real resolver, searching
   * every process on the host; `proc_tree`: the real resolver, searching below `treeRoot` only
   * (as `tollgate sandbox run` gives it the sandbox's root).
   */
  identity: ProxyIdentity;
  /** With `proc_tree`: the process whose tree holds the clients (the load generator). */
  treeRoot?: number;
  /**
   * Serve policy.local with proposals going to a store on `policiesDir`, as the embedded
   * `tollgate up` does; without it the proposal routes answer 503.
   */
  proposals?: boolean;
}

/** The configuration file of a proxy fleet child (`fleet_child.ts`). */
export interface FleetChildConfig {
  /** Number of proxies, each with its own gateway subscription. */
  count: number;
  gatewayUrl: string;
  token: string;
  /** Policy name the proxies follow. */
  policy: string;
  stateDir: string;
  resolve: { host: string; port: number; address: string }[];
  upstreamCaPem: string;
}
