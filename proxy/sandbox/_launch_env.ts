/**
 * The env launch: the command is a plain child of the runner; only its environment points it
 * at a loopback listener that hands every connection to the proxy.
 *
 * @module
 */

import * as net from "node:net";
import { createProcIdentityResolver } from "../identity/mod.ts";
import { eagerIdentity, killQuietly, type Launched, type LaunchSpec, stdioOf } from "./_launch.ts";
import { closeAllOnExec } from "./_close_on_exec.ts";

/** Start the command as a plain child; only its environment points it at the proxy. */
export async function launchEnv(spec: LaunchSpec): Promise<Launched> {
  // The command is our child: holders are searched among our descendants (#15 item 3), and
  // the runner is the boundary of their ancestry.
  const resolver = createProcIdentityResolver({
    treeRoot: () => Deno.pid,
    boundary: () => Deno.pid,
  });
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    const peer = {
      localPort: socket.localPort ?? 0,
      localAddress: socket.localAddress,
      remotePort: socket.remotePort ?? 0,
      remoteAddress: socket.remoteAddress ?? "",
    };
    spec.proxy.serveConnection(socket, eagerIdentity(() => resolver.resolve(peer)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const close = async () => {
    const stopped = new Promise((resolve) => server.close(resolve));
    for (const socket of sockets) socket.destroy();
    await stopped;
    resolver.close?.();
  };
  const { command, env, cwd, stdio } = spec;
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  let child: Deno.ChildProcess;
  try {
    const options = { args: command.slice(1), clearEnv: true, env: env(url), cwd };
    closeAllOnExec(); // Standard input, output and error alone (see _close_on_exec.ts).
    child = new Deno.Command(command[0]!, { ...options, ...stdioOf(stdio) }).spawn();
  } catch (error) {
    await close();
    throw error;
  }
  return {
    child,
    terminate: () => killQuietly(child, "SIGTERM"),
    kill: () => killQuietly(child),
    close,
  };
}
