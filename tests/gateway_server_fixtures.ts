/**
 * The running gateway the gateway server tests share: a fresh repository, a gateway on port 0,
 * a proxy client and a reviewer client; and an event collector for its stream.
 */
import { join } from "node:path";
import {
  GatewayClient,
  type RunningGateway,
  type ServerSentEvent,
  startGateway,
} from "../gateway/mod.ts";
import { makeRepo, type TempRepo } from "./gateway_fixtures.ts";

/** `client` speaks with a proxy credential for "team"; `reviewer` with alice's. */
export async function withGateway(
  fn: (
    repo: TempRepo,
    gw: RunningGateway,
    client: GatewayClient,
    reviewer: GatewayClient,
  ) => Promise<void>,
): Promise<void> {
  const repo = await makeRepo();
  const state = join(repo.root, ".tollgate");
  const gw = await startGateway({
    policiesDir: repo.policies,
    stateDir: state,
    listen: "127.0.0.1:0",
  });
  try {
    const { token } = await gw.credentials.enrolProxy("team");
    const alice = await gw.credentials.addReviewer("alice");
    await fn(
      repo,
      gw,
      new GatewayClient({ url: gw.url, token, waitSeconds: 5 }),
      new GatewayClient({ url: gw.url, token: alice, waitSeconds: 5 }),
    );
  } finally {
    await gw.close();
    await repo.cleanup();
  }
}

/** Collect stream events in the background until `stop` aborts. */
export function collect(
  client: GatewayClient,
  stop: AbortSignal,
): { events: ServerSentEvent[]; done: Promise<void> } {
  const events: ServerSentEvent[] = [];
  const done = (async () => {
    try {
      for await (const e of client.events(stop)) events.push(e);
    } catch (error) {
      if (!stop.aborted) throw error;
    }
  })();
  return { events, done };
}
