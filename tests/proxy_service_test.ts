/**
 * `startProxyService()` options that the CLI does not set but other compositions need.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startProxyService } from "../proxy/mod.ts";
import type { OcsfEvent } from "../proxy/ocsf/mod.ts";

Deno.test("startProxyService() decides on the injected requester identity", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "policies"));
  await Deno.writeTextFile(join(dir, "policies", "p.yaml"), "version: 1\n");
  const service = await startProxyService({
    policy: "p",
    policiesDir: join(dir, "policies"),
    stateDir: join(dir, "state"),
    identity: { resolve: () => Promise.resolve({ exe: "/opt/fixed/agent", ancestors: [] }) },
  });
  const client = Deno.createHttpClient({ proxy: { url: `http://127.0.0.1:${service.port}` } });
  try {
    const res = await fetch("http://example.com/", { client });
    assert.equal(res.status, 403);
    // The deny body names the requester the decision was made for.
    assert.equal((await res.json()).binary, "/opt/fixed/agent");
  } finally {
    client.close();
    await service.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startProxyService() does not reload a fed text it already holds", async () => {
  // A gateway's push opens with the policy the proxy started on: loading it again would parse
  // and compile it a second time (10,000 rules: seconds of a worker) and log a false reload.
  const dir = await Deno.makeTempDir();
  const first = "version: 1\nrevision: 1\n";
  const second = "version: 1\nrevision: 2\n";
  const loaded: unknown[] = [];
  let delivered!: () => void;
  const done = new Promise<void>((resolve) => delivered = resolve);
  const service = await startProxyService({
    policy: "p",
    policiesDir: join(dir, "policies"),
    stateDir: join(dir, "state"),
    feed: {
      initial: () => Promise.resolve(first),
      follow: async (onText) => {
        // Each text gets a turn of the event loop, so none is merely superseded by the next.
        for (const text of [first, first, second, second]) {
          onText(text);
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        delivered();
      },
    },
    onEvent: (event) => {
      if (event.class_uid === 5019) loaded.push(event.unmapped?.policy_version);
    },
  });
  try {
    await done;
    await waitFor(() => service.holder.current().revision === 2);
    // CONFIG:LOADED at start, then once for revision 2: one swap, from generation 1 to 2.
    assert.deepEqual(loaded, [1, 2]);
    assert.equal(service.holder.current().generation, 2);
  } finally {
    await service.close();
    await Deno.remove(dir, { recursive: true });
  }
});

async function waitFor(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ready(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ready(), "timed out");
}

Deno.test("startProxyService() names its sandbox in every event it logs and hands on", async () => {
  // Allowed requests share a held batch of the log; a denial is written at once: both paths.
  const dir = await Deno.makeTempDir();
  const upstream = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    return new Response("ok");
  });
  const port = upstream.addr.port;
  await Deno.mkdir(join(dir, "policies"));
  await Deno.writeTextFile(
    join(dir, "policies", "p.yaml"),
    `version: 1\nnetwork_policies:\n  up:\n    endpoints: [{ host: up.test, port: ${port} }]\n` +
      "    binaries: [{ path: /opt/fixed/agent }]\n",
  );
  const heard: OcsfEvent[] = [];
  const service = await startProxyService({
    policy: "p",
    policiesDir: join(dir, "policies"),
    stateDir: join(dir, "state"),
    sandboxId: "sb-test",
    resolve: [`up.test:${port}:127.0.0.1`],
    identity: { resolve: () => Promise.resolve({ exe: "/opt/fixed/agent", ancestors: [] }) },
    onEvent: (event) => void heard.push(event),
  });
  const client = Deno.createHttpClient({ proxy: { url: `http://127.0.0.1:${service.port}` } });
  try {
    for (const url of [1, 2, 3].map((i) => `http://up.test:${port}/${i}`)) {
      assert.equal(await (await fetch(url, { client })).text(), "ok");
    }
    const denied = await fetch("http://example.com/", { client });
    assert.equal(denied.status, 403);
    await denied.body?.cancel();
    await service.close();
    const logs = join(dir, "state", "logs");
    const lines = [];
    for await (const file of Deno.readDir(logs)) {
      if (!file.name.startsWith("ocsf.")) continue;
      const text = await Deno.readTextFile(join(logs, file.name));
      lines.push(...text.trim().split("\n").map((line) => JSON.parse(line)));
    }
    // CONFIG:LOADED, three allowed L4 decisions and one denied: each logged once, each named.
    assert.deepEqual(heard.map((e) => e.action_id ?? "config"), ["config", 1, 1, 1, 2]);
    assert.equal(lines.length, heard.length);
    for (const event of [...heard, ...lines]) assert.equal(event.unmapped?.sandbox, "sb-test");
    assert.deepEqual(heard.slice(1).map((e) => e.unmapped?.layer), ["l4", "l4", "l4", "l4"]);
  } finally {
    client.close();
    await service.close();
    await upstream.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
