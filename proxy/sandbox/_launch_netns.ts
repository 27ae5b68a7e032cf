/**
 * The netns launch: the command runs in the sandbox namespaces, and its only way out is the
 * bridge to the proxy, which learns each connection's requester from inside the namespace.
 *
 * @module
 */

import { createProcIdentityResolver, type IdentityResolver } from "../identity/mod.ts";
import { fileBinds } from "./_file_binds.ts";
import {
  childrenOf,
  eagerIdentity,
  killQuietly,
  type Launched,
  type LaunchSpec,
  signalAll,
  stdioOf,
} from "./_launch.ts";
import { NetnsSandbox } from "./netns_sandbox.ts";
import { newBridgeSecret } from "./_preamble.ts";
import { UnixBridge } from "./unix_bridge.ts";

/** Start the command inside the sandbox namespaces, reachable only through the bridge. */
export async function launchNetns(spec: LaunchSpec): Promise<Launched> {
  const secret = newBridgeSecret();
  // Set before the command exists, so before any client can connect.
  const late: { resolver?: IdentityResolver; boundary: number } = { boundary: -1 };
  const bridge = await UnixBridge.listen(`${spec.sandboxDir}/proxy.sock`, secret, (conn, at) => {
    // The connection as the kernel inside the namespace sees it: to the proxy port, or to the
    // synthetic address a captured client dialled.
    const peer = {
      localPort: at.serverPort,
      localAddress: at.serverAddress,
      remotePort: at.clientPort,
      remoteAddress: at.clientAddress,
    };
    const resolve = () => late.resolver!.resolve(peer);
    spec.proxy.serveConnection(conn, eagerIdentity(resolve, late.boundary));
  }, { onRefused: spec.onLog });
  let sandbox: NetnsSandbox | undefined;
  const close = async () => {
    await bridge.close();
    await sandbox?.close();
    late.resolver?.close?.();
  };
  try {
    sandbox = await NetnsSandbox.start({
      socketPath: bridge.path,
      port: spec.innerPort,
      secret,
      baseEnv: spec.baseEnv,
      onForwarderLog: spec.onLog,
      capturePorts: spec.capturePorts,
    });
    // Holders are searched below the sandbox's root only (#15 item 3), not host-wide.
    late.resolver = createProcIdentityResolver({
      netnsPid: sandbox.forwarderPid,
      treeRoot: () => (late.boundary > 0 ? late.boundary : undefined),
    });
    const child = sandbox.spawn(spec.command, {
      env: spec.env(`http://127.0.0.1:${spec.innerPort}`),
      cwd: spec.cwd,
      hide: spec.stateDir,
      reveal: spec.publicDir,
      readOnly: spec.readOnly,
      binds: await fileBinds(spec),
      ...stdioOf(spec.stdio),
    });
    late.boundary = child.pid;
    return {
      child,
      terminate: () => signalAll(childrenOf(child.pid), "SIGTERM"),
      // The wrapper dies; --kill-child then kills the namespace's init, and with it the rest.
      kill: () => killQuietly(child),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
