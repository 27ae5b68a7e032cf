/**
 * A deleted policy file (issue #12 item 16): the proxy and the gateway log CONFIG:FAILED and
 * keep the last good policy.
 */
import assert from "node:assert/strict";
import { DirectoryWatcher, EventHub } from "../gateway/mod.ts";
import type { OcsfEvent } from "../proxy/ocsf/mod.ts";
import { rawRequest, startTestProxy, startTestUpstreams, waitFor } from "./support/mod.ts";
import { CURL_ONLY } from "./hostile_fixtures.ts";

const failedMessages = (events: OcsfEvent[]) =>
  events.filter((e) => (e.unmapped as { config_state?: string })?.config_state === "FAILED")
    .map((e) => String(e.message));

Deno.test("hostile #16: a deleted policy file logs CONFIG:FAILED once and the last good policy keeps enforcing", async () => {
  const upstreams = await startTestUpstreams();
  const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };
  const policy = CURL_ONLY.replace("version: 1\n", "version: 1\nrevision: 7\n");
  const proxy = await startTestProxy({ policy, upstreams, identity, watch: true });
  const get = () =>
    rawRequest(
      proxy.port,
      "GET http://plain.example.com/data HTTP/1.1\r\nHost: plain.example.com\r\n\r\n",
    );
  try {
    assert.equal((await get()).status, 200);
    await Deno.remove(proxy.policyFile);
    await waitFor(() => failedMessages(proxy.events).length > 0, "CONFIG:FAILED");
    assert.match(failedMessages(proxy.events)[0]!, /policy file deleted; keeping revision 7/i);
    assert.equal((await get()).status, 200, "the last good policy stays in force");
    // Touching the directory again does not repeat the report.
    await Deno.writeTextFile(`${proxy.policyFile}.unrelated`, "x");
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(failedMessages(proxy.events).length, 1);
  } finally {
    await proxy.close();
    await upstreams.close();
  }
});

Deno.test("hostile #16: the gateway logs CONFIG:FAILED for a deleted policy file and keeps serving the last good one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-hostile-" });
  const events: OcsfEvent[] = [];
  const published: string[] = [];
  const hub = new EventHub();
  const subscription = hub.subscribe((event) => void published.push(event.type));
  await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\nrevision: 4\n");
  const watcher = new DirectoryWatcher({ policiesDir: dir, hub, emit: (e) => events.push(e) });
  await watcher.start();
  try {
    await Deno.remove(`${dir}/team.yaml`);
    await waitFor(() => failedMessages(events).length > 0, "CONFIG:FAILED");
    assert.match(failedMessages(events)[0]!, /team.*policy file deleted; keeping revision 4/i);
    assert.equal(watcher.policy("team")?.revision, 4, "subscribers keep the last good policy");
    assert.deepEqual(published.filter((t) => t === "policy.updated"), []);
  } finally {
    subscription.unsubscribe();
    await watcher.close();
    await Deno.remove(dir, { recursive: true });
  }
});
