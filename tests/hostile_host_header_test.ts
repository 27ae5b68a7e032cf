/**
 * A hostile page against the control surface's host names (DNS rebinding): a name the attacker
 * controls that resolves to 127.0.0.1 reaches the gateway (its web inbox and API) and
 * policy.local with a Host of the attacker's. Each answers only to the names it serves.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startGateway } from "../gateway/mod.ts";
import { mintTestCertificates } from "../scripts/demo/test_certificates.ts";
import { curlArgs } from "./support/mod.ts";
import { withProxyOnGateway } from "./proxy_on_gateway.ts";

const REBOUND = "rebound.example";

Deno.test("hostile host header: the gateway answers a rebound name with 421 and its own names as usual", async () => {
  await withProxyOnGateway(async ({ gateway }) => {
    const port = gateway.port;
    const alice = await gateway.credentials.addReviewer("alice");
    const auth = ["-H", `Authorization: Bearer ${alice}`];
    // A browser on a rebound page: the name resolves to the gateway, the Host stays the page's.
    const resolve = ["--resolve", `${REBOUND}:${port}:127.0.0.1`];
    for (const path of ["/inbox", "/inbox/sign-in", "/v1/status", "/v1/proposals"]) {
      const rebound = await curlArgs([...resolve, ...auth, `http://${REBOUND}:${port}${path}`]);
      assert.equal(rebound.status, 421, `${path}: ${rebound.body}`);
      assert.match(rebound.body, /"error":"misdirected_request"/);
      assert.doesNotMatch(rebound.body, /rebound/, "the foreign name is not echoed");
      assert.equal(rebound.body.split("\n").length, 1, "a one-line answer");
    }
    const foreign = [
      `${REBOUND}:${port}`,
      REBOUND,
      `127.0.0.1:${port + 1}`, // the right address, another port
      `localhost.${REBOUND}:${port}`,
      `127.0.0.1:${port}.${REBOUND}`,
      "",
    ];
    for (const host of foreign) {
      const res = await curlArgs([...auth, "-H", `Host: ${host}`, `${gateway.url}/v1/status`]);
      assert.equal(res.status, 421, `Host "${host}": ${res.body}`);
    }
    // Its own names: the loopback address it listens on, localhost, either spelling's case.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`]) {
      const res = await curlArgs([...auth, "-H", `Host: ${host}`, `${gateway.url}/v1/status`]);
      assert.equal(res.status, 200, `Host "${host}": ${res.body}`);
    }
    const page = await curlArgs([`http://localhost:${port}/inbox/sign-in`]);
    assert.equal(page.status, 200, page.body);
  });
});

Deno.test("hostile host header: a gateway behind a reverse proxy answers its --public-url name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-host-" });
  await Deno.mkdir(join(dir, "policies"));
  await Deno.writeTextFile(join(dir, "policies", "team.yaml"), "version: 1\n");
  const gateway = await startGateway({
    policiesDir: join(dir, "policies"),
    stateDir: join(dir, "state"),
    listen: "127.0.0.1:0",
    publicUrl: "https://Tollgate.Team.example",
  });
  try {
    // Caddy passes the client's Host on; nginx sends its upstream's (127.0.0.1:PORT).
    for (const host of ["tollgate.team.example", "tollgate.team.example:443"]) {
      const res = await curlArgs(["-H", `Host: ${host}`, `${gateway.url}/inbox/sign-in`]);
      assert.equal(res.status, 200, `Host "${host}": ${res.body}`);
    }
    for (const host of ["tollgate.team.example:8443", REBOUND]) {
      const res = await curlArgs(["-H", `Host: ${host}`, `${gateway.url}/inbox/sign-in`]);
      assert.equal(res.status, 421, `Host "${host}": ${res.body}`);
    }
  } finally {
    await gateway.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hostile host header: a gateway serving TLS answers the names of its certificate", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-host-" });
  await Deno.mkdir(join(dir, "policies"));
  await Deno.writeTextFile(join(dir, "policies", "team.yaml"), "version: 1\n");
  const certs = await mintTestCertificates(join(dir, "ca"), ["gw.team.example", "*.pool.example"]);
  const gateway = await startGateway({
    policiesDir: join(dir, "policies"),
    stateDir: join(dir, "state"),
    listen: "127.0.0.1:0",
    tls: { cert: certs.certPem, key: certs.keyPem },
  });
  const port = gateway.port;
  const get = (name: string, extra: string[] = []) =>
    curlArgs([
      ...["--cacert", certs.caCertPath, "--resolve", `${name}:${port}:127.0.0.1`, ...extra],
      `https://${name}:${port}/inbox/sign-in`,
    ]);
  try {
    for (const name of ["gw.team.example", "b.pool.example"]) {
      const res = await get(name);
      assert.equal(res.status, 200, `${name}: ${res.body}`);
    }
    for (const host of [REBOUND, `a.b.pool.example:${port}`, `gw.team.example:${port + 1}`]) {
      const res = await get("gw.team.example", ["-H", `Host: ${host}`]);
      assert.equal(res.status, 421, `Host "${host}": ${res.body}`);
    }
  } finally {
    await gateway.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hostile host header: policy.local answers only Host policy.local, in absolute form and in its tunnel", async () => {
  await withProxyOnGateway(async ({ port }) => {
    const proxy = ["-x", `http://127.0.0.1:${port}`];
    for (const tunnel of [[], ["-p"]]) {
      const ok = await curlArgs([...proxy, ...tunnel, "http://policy.local/v1/policy/current"]);
      assert.equal(ok.status, 200, ok.body);
      for (const host of [REBOUND, "policy.local.rebound.example", "policy.local:8080"]) {
        const res = await curlArgs([
          ...proxy,
          ...tunnel,
          "-H",
          `Host: ${host}`,
          "http://policy.local/v1/policy/current",
        ]);
        assert.equal(res.status, 421, `${tunnel} Host "${host}": ${res.body}`);
        assert.match(res.body, /"error":"misdirected_request"/);
        assert.doesNotMatch(res.body, /policy_yaml/);
      }
      const explicit = await curlArgs([
        ...proxy,
        ...tunnel,
        "-H",
        "Host: POLICY.local:80",
        "http://policy.local/v1/skill",
      ]);
      assert.equal(explicit.status, 200, explicit.body);
    }
  });
});
