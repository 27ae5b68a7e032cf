/**
 * Issue #15 item 4, a gateway's push: a proxy following a gateway parses a large push's JSON on
 * its load worker, never in one go on its own thread, and swaps the pushed policy in. Nothing
 * here asserts speed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "yaml";
import { GatewayClient, gatewayPolicyFeed } from "../gateway/client/mod.ts";
import { startProxyService } from "../proxy/mod.ts";
import { syntheticPolicy } from "./support/synthetic_policy.ts";
import { withGateway } from "./gateway_server_fixtures.ts";

Deno.test("hostile #15.4: a proxy parses a large push off its thread and swaps it in", async () => {
  await withGateway(async (repo, gw) => {
    const { token } = await gw.credentials.enrolProxy("team");
    const client = new GatewayClient({ url: gw.url, token, waitSeconds: 5 });
    const state = await Deno.makeTempDir();
    const service = await startProxyService({
      policy: "team",
      policiesDir: repo.policies,
      stateDir: state,
      feed: gatewayPolicyFeed(client, "team"),
    });
    // Every JSON.parse on this thread of a text as long as a large policy, while the proxy runs.
    const original = JSON.parse;
    const longParses: number[] = [];
    JSON.parse = (text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
      if (typeof text === "string" && text.length > 64 * 1024) longParses.push(text.length);
      return original(text, reviver);
    };
    try {
      const text = stringify({ ...syntheticPolicy(3000), revision: 40 }, { lineWidth: 0 });
      // A manual edit: the gateway pushes the new text in its policy.updated event.
      await Deno.writeTextFile(join(repo.policies, "team.yaml"), text);
      for (let i = 0; i < 1500 && service.holder.current().revision !== 40; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(service.holder.current().revision, 40, "the pushed policy is in force");
      assert.equal(service.holder.current().text, text);
      assert.deepEqual(longParses, [], "no long JSON parsed on the proxy's thread");
    } finally {
      JSON.parse = original;
      await service.close();
      await Deno.remove(state, { recursive: true });
    }
  });
});
