/**
 * The sweep sends the host's enrolment token only to this run's own gateways: an entry naming
 * another URL (a state directory an env-mode command could write) is left for a run linked there.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sweepGatewaySandboxes } from "./_dead_sandboxes.ts";
import { runnerMark } from "./_sandbox_registry.ts";
import { gatewayLink } from "./_gateway_link.ts";
import { startGateway } from "../gateway/mod.ts";

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
    await Deno.mkdir(join(state, "runners"));
    const write = (sandbox: string, gateways: string[]) =>
      Deno.writeTextFile(
        join(state, "runners", `${sandbox}.json`),
        JSON.stringify({ sandbox, runner: dead, gateways }),
      );
    await write("sb-ours", [ours.url]);
    await write("sb-elsewhere", [other.url]);
    await write("sb-both", [ours.url, other.url]);
    await sweepGatewaySandboxes(state, "tg_host", [ours.url]);
    assert.deepEqual(ours.seen, ["DELETE /v1/sandboxes/sb-ours Bearer tg_host"]);
    assert.deepEqual(other.seen, []);
    const left = [];
    for await (const e of Deno.readDir(join(state, "runners"))) left.push(e.name);
    assert.deepEqual(left.sort(), ["sb-both.json", "sb-elsewhere.json"]);
  } finally {
    await ours.close();
    await other.close();
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("gatewayLink: a retirement that fails at stop leaves the entry for the next start's sweep", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "policies"));
    await Deno.writeTextFile(join(dir, "policies", "team.yaml"), "version: 1\n");
    const flags = { policy: "team", policiesDir: join(dir, "policies"), stateDir: join(dir, "s") };
    for (const urls of [1, 2]) {
      const gw = await startGateway({ ...flags, stateDir: join(dir, "gw"), listen: "127.0.0.1:0" });
      const gateway = urls === 1 ? gw.url : [gw.url, "http://127.0.0.1:9"];
      const linked = await gatewayLink({ ...flags, gateway }, { TOLLGATE_GATEWAY_TOKEN: gw.token });
      const entry = join(flags.stateDir, "runners", `${linked.sandboxId}.json`);
      await Deno.stat(entry); // registered at enrolment
      await gw.close();
      await linked.retire(); // the gateway is gone: nothing was given back
      await Deno.stat(entry);
      await Deno.remove(entry);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
