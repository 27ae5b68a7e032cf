/**
 * A gateway serving a copy of the demo policy, and `tollgate proxy --gateway` (the real CLI, in
 * this process) following it, for the tests that drive a proxy whose policy and proposals live
 * on a gateway.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/mod.ts";
import { type RunningGateway, startGateway } from "../gateway/mod.ts";

/** What a test gets: the gateway, its directories, the proxy's port and what the CLI printed. */
export interface ProxyOnGateway {
  gateway: RunningGateway;
  /** The gateway's policies directory (pending proposals land here). */
  policiesDir: string;
  /** The state directory the gateway and the proxy share (credentials, logs). */
  stateDir: string;
  port: number;
  /** Everything the proxy command printed so far. */
  output: () => string;
}

const DEMO_POLICY = new URL("../policies/demo.yaml", import.meta.url).pathname;

/**
 * Run `fn` with a proxy following a gateway; then stop the proxy (it must exit 0), run
 * `afterStop`, and close and remove the rest. The proxy gets its own, empty policies directory:
 * its policy can only come from the gateway.
 */
export async function withProxyOnGateway(
  fn: (world: ProxyOnGateway) => Promise<void>,
  afterStop: (world: ProxyOnGateway) => Promise<void> = async () => {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-proxy-gw-" });
  const policiesDir = join(dir, "policies");
  const stateDir = join(dir, "state");
  await Deno.mkdir(policiesDir);
  await Deno.copyFile(DEMO_POLICY, join(policiesDir, "demo.yaml"));
  const gateway = await startGateway({ policiesDir, stateDir, listen: "127.0.0.1:0" });
  const stop = new AbortController();
  let out = "";
  const started = Promise.withResolvers<void>();
  const running = runCli([
    ...["proxy", "--policy", "demo", "--policies", join(dir, "elsewhere"), "--state", stateDir],
    ...["--listen", "127.0.0.1:0", "--gateway", gateway.url],
  ], {
    cwd: dir,
    env: { NO_COLOR: "1" },
    out: (t) => ((out += t), out.includes("listening") && started.resolve()),
    err: (t) => (out += t),
    isTTY: false,
    signal: stop.signal,
    setExitCode: () => {},
  });
  let world: ProxyOnGateway | undefined;
  try {
    await Promise.race([started.promise, running.then(() => assert.fail(out))]);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    world = { gateway, policiesDir, stateDir, port, output: () => out };
    await fn(world);
  } finally {
    stop.abort();
    assert.equal(await running, 0);
    if (world) await afterStop(world);
    await gateway.close();
    await Deno.remove(dir, { recursive: true });
  }
}
