/**
 * decide() on policies shaped like the ones OpenShell ships (its examples, e2e templates filled
 * as its scripts fill them, and its crates' testdata at 2f7fb655). The policies are written
 * here for these tests; each case says which OpenShell file or Rego rule it follows.
 */
import assert from "node:assert/strict";
import { canonicalizePath, decide, loadPolicyText } from "./mod.ts";
import type { Decision, RequestFacts } from "./mod.ts";

function load(text: string) {
  return loadPolicyText(text, "example.yaml").compiled;
}

function ask(exe: string, target: string, method?: string, path?: string): RequestFacts {
  const [host, port] = target.split(":") as [string, string];
  const facts: RequestFacts = { host, port: Number(port), identity: { exe, ancestors: [] } };
  if (method !== undefined) Object.assign(facts, { method, path });
  return facts;
}

function brief(d: Decision): string {
  return `${d.verdict} ${d.layer} ${d.policy ?? "-"}${
    d.inspect === undefined ? "" : ` inspect=${d.inspect}`
  }`;
}

// A code host reached by git through inspected REST rules (fetch only) and by an editor
// plugin through a plain L4 grant, as the supervisor-network testdata policy does.
const CODE_HOST = `
version: 1
network_policies:
  git_fetch_only:
    endpoints:
      - host: code.example.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: GET, path: "/**/info/refs*" }
          - allow: { method: POST, path: "/**/git-upload-pack" }
    binaries: [{ path: /usr/bin/git }]
  editor_plugin:
    endpoints:
      - { host: code.example.com, port: 443 }
      - { host: telemetry.example.com, port: 443 }
    binaries: [{ path: /usr/bin/node }, { path: "/home/*/.local/bin/plugin" }]
`;

Deno.test("OpenShell supervisor-network testdata shape: git is inspected, the plugin tunnels, others are refused", () => {
  const compiled = load(CODE_HOST);
  const git = "/usr/bin/git";
  assert.equal(
    brief(decide(compiled, ask(git, "code.example.com:443"))),
    "allow l4 git_fetch_only inspect=true",
  );
  assert.equal(
    brief(decide(compiled, ask(git, "code.example.com:443", "GET", "/team/app.git/info/refs"))),
    "allow l7 git_fetch_only",
  );
  const push = decide(
    compiled,
    ask(git, "code.example.com:443", "POST", "/team/app.git/git-receive-pack"),
  );
  assert.equal(push.reason, "POST /team/app.git/git-receive-pack not permitted by policy");
  assert.equal(push.layer, "l7");
  assert.equal(
    brief(decide(compiled, ask("/usr/bin/node", "code.example.com:443"))),
    "allow l4 editor_plugin inspect=false",
  );
  const plugin = "/home/alice/.local/bin/plugin";
  assert.equal(decide(compiled, ask(plugin, "telemetry.example.com:443")).verdict, "allow");
  // The Rego's deny reasons: a binary outside the policy, an endpoint outside every policy.
  assert.equal(
    decide(compiled, ask("/usr/bin/python3", "telemetry.example.com:443")).reason,
    "binary '/usr/bin/python3' not allowed in policy 'editor_plugin'",
  );
  assert.equal(
    decide(compiled, ask(git, "code.example.com:80")).reason,
    "endpoint code.example.com:80 not in policy",
  );
});

// The same binary granted a host twice: once plain L4, once through REST rules.
const L4_BESIDE_L7 = `
version: 1
network_policies:
  code_any:
    endpoints: [{ host: code.example.com, port: 443 }]
    binaries: [{ path: /usr/bin/git }]
  code_fetch:
    endpoints:
      - host: code.example.com
        port: 443
        protocol: rest
        rules: [{ allow: { method: GET, path: "/**/info/refs*" } }]
    binaries: [{ path: /usr/bin/git }]
`;

Deno.test("OpenShell _matching_endpoint_configs: a plain L4 grant beside an L7 one for the same binary does not skip the L7 rules", () => {
  // Rego selects the connection's config only from endpoints with extended config (protocol,
  // allowed_ips, tls), so the REST endpoint governs it; a plain L4 endpoint has no rules, so
  // it allows no inspected request (allow_request needs request_allowed_for_endpoint).
  const compiled = load(L4_BESIDE_L7);
  const git = "/usr/bin/git";
  assert.equal(decide(compiled, ask(git, "code.example.com:443")).inspect, true);
  const fetch = decide(compiled, ask(git, "code.example.com:443", "GET", "/o/r.git/info/refs"));
  assert.equal(brief(fetch), "allow l7 code_fetch");
  const push = decide(
    compiled,
    ask(git, "code.example.com:443", "POST", "/o/r.git/git-receive-pack"),
  );
  assert.equal(push.verdict, "deny");
  assert.equal(push.layer, "l7");
  assert.equal(push.reason, "POST /o/r.git/git-receive-pack not permitted by policy");
});

Deno.test("OpenShell prover testdata shape: a binary glob with '**' between segments spans zero or more folders", () => {
  const compiled = load(`
version: 1
network_policies:
  code:
    endpoints: [{ host: code.example.com, port: 443 }]
    binaries: [{ path: "/sandbox/.tools/python/**/python3*" }]
`);
  const reach = (exe: string) => decide(compiled, ask(exe, "code.example.com:443")).verdict;
  assert.equal(reach("/sandbox/.tools/python/cpython-3.12/bin/python3.12"), "allow");
  assert.equal(reach("/sandbox/.tools/python/python3"), "allow");
  assert.equal(reach("/sandbox/.tools/python3"), "deny");
});

Deno.test("OpenShell multi-agent template shape, filled: writes reach only the run's own folder", () => {
  const compiled = load(`
version: 1
network_policies:
  notes:
    endpoints:
      - host: api.example.com
        port: 443
        protocol: rest
        enforcement: enforce
        rules:
          - allow: { method: GET, path: "/repos/acme/notes/contents/runs/r7" }
          - allow: { method: PUT, path: "/repos/acme/notes/contents/runs/r7/**" }
    binaries: [{ path: /usr/bin/curl }]
`);
  const curl = "/usr/bin/curl";
  // The transport canonicalises before deciding: a dot-segment cannot climb into another run.
  const put = (raw: string) => {
    const canonical = canonicalizePath(raw);
    assert.ok(canonical.ok);
    return decide(compiled, ask(curl, "api.example.com:443", "PUT", canonical.path));
  };
  assert.equal(put("/repos/acme/notes/contents/runs/r7/a.md").verdict, "allow");
  assert.equal(put("/repos/acme/notes/contents/runs/r8/a.md").verdict, "deny");
  assert.equal(put("/repos/acme/notes/contents/runs/r7/../r8/a.md").verdict, "deny");
});

Deno.test("OpenShell gator and policy-advisor shapes: an empty map denies all; a rule without binaries grants any", () => {
  const none = load("version: 1\nnetwork_policies: {}\n");
  assert.equal(
    decide(none, ask("/usr/bin/curl", "api.example.com:443")).reason,
    "network connections not allowed by policy",
  );
  const anyBinary = load(
    "version: 1\nnetwork_policies:\n  model:\n    endpoints:\n      - { host: model.example.com, port: 443 }\n",
  );
  const d = decide(
    anyBinary,
    ask("/opt/agent/bin/agent", "model.example.com:443", "POST", "/v1/x"),
  );
  assert.equal(brief(d), "allow l4 model inspect=false");
});
