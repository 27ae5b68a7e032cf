import assert from "node:assert/strict";
import { decide, loadPolicyText } from "../../proxy/policy/mod.ts";
import { benchPolicyYaml, benchResolve, FIXED_EXE } from "./bench_policy.ts";
import { BENCH_HOSTS } from "./setup.ts";

Deno.test("benchPolicyYaml() is a valid policy granting exactly the bench endpoints", () => {
  const text = benchPolicyYaml({
    httpPort: 8080,
    httpsPort: 8443,
    binaries: [FIXED_EXE, "/usr/bin/deno"],
  });
  const { compiled } = loadPolicyText(text, "bench.yaml");
  const identity = { exe: FIXED_EXE, ancestors: [] };
  const verdict = (host: string, port: number, method?: string) =>
    decide(compiled, { host, port, identity, ...(method ? { method, path: "/ok/bench" } : {}) });
  assert.equal(verdict(BENCH_HOSTS.http, 8080).verdict, "allow");
  assert.equal(verdict(BENCH_HOSTS.l4, 8443).inspect, false);
  assert.equal(verdict(BENCH_HOSTS.l7, 8443).inspect, true);
  assert.equal(verdict(BENCH_HOSTS.l7, 8443, "GET").verdict, "allow");
  assert.equal(verdict(BENCH_HOSTS.rest, 8080, "POST").verdict, "deny");
  assert.equal(verdict(BENCH_HOSTS.approved, 8080).verdict, "deny");
  assert.equal(verdict(BENCH_HOSTS.l4, 8080).verdict, "deny");
  const stranger = decide(compiled, {
    host: BENCH_HOSTS.http,
    port: 8080,
    identity: { exe: "/usr/bin/nc", ancestors: [] },
  });
  assert.equal(stranger.verdict, "deny");
});

Deno.test("benchResolve() maps every bench host on both ports to loopback", () => {
  const entries = benchResolve(8080, 8443);
  assert.equal(entries.length, Object.keys(BENCH_HOSTS).length * 2);
  assert.ok(entries.every((e) => e.address === "127.0.0.1"));
  assert.ok(entries.some((e) => e.host === BENCH_HOSTS.l7 && e.port === 8443));
});
