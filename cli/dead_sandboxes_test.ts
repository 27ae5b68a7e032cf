/**
 * The sweep sends the host's enrolment token only to this run's own gateways: an entry naming
 * another URL (a state directory an env-mode command could write) is left for a run linked there.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sweepGatewaySandboxes } from "./_dead_sandboxes.ts";
import { runnerMark } from "./_sandbox_registry.ts";

function fakeGateway() {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    seen.push(`${req.method} ${new URL(req.url).pathname} ${req.headers.get("authorization")}`);
    return Response.json({ retired: true });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, seen, close: () => server.shutdown() };
}

Deno.test("sweepGatewaySandboxes: retires at this run's gateways only", async () => {
  const state = await Deno.makeTempDir();
  const [ours, other] = [fakeGateway(), fakeGateway()];
  try {
    const dead = { ...(await runnerMark())!, pid: 2 ** 30 };
    await Deno.mkdir(join(state, "sandboxes"));
    const write = (sandbox: string, gateways: string[]) =>
      Deno.writeTextFile(
        join(state, "sandboxes", `${sandbox}.json`),
        JSON.stringify({ sandbox, runner: dead, gateways }),
      );
    await write("sb-ours", [ours.url]);
    await write("sb-elsewhere", [other.url]);
    await write("sb-both", [ours.url, other.url]);
    await sweepGatewaySandboxes(state, "tg_host", [ours.url]);
    assert.deepEqual(ours.seen, ["DELETE /v1/sandboxes/sb-ours Bearer tg_host"]);
    assert.deepEqual(other.seen, []);
    const left = [];
    for await (const e of Deno.readDir(join(state, "sandboxes"))) left.push(e.name);
    assert.deepEqual(left.sort(), ["sb-both.json", "sb-elsewhere.json"]);
  } finally {
    await ours.close();
    await other.close();
    await Deno.remove(state, { recursive: true });
  }
});
