/**
 * The policies, proxy and clean-environment runner the toolchain tests (issue #13) share.
 */
import type { OcsfEvent } from "../proxy/ocsf/mod.ts";
import { type TestProxy, type TestUpstreams, withTestProxy } from "./support/mod.ts";

/** curl reads api.github.com (L7), wget reaches wget.example.com and skip.example.com (tls: skip). */
export const POLICY = `version: 1
network_policies:
  gh_ro:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
  wget_only:
    endpoints: [{ host: wget.example.com, port: 443 }]
    binaries: [{ path: "/usr/bin/wget" }]
  skipped:
    endpoints: [{ host: skip.example.com, port: 443, tls: skip }]
    binaries: [{ path: "/usr/bin/wget" }]
  local:
    endpoints: [{ host: localhost, port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
`;
/** The hosts the test upstreams serve over HTTPS (and the proxy routes to them). */
export const HTTPS_HOSTS = ["api.github.com", "wget.example.com", "skip.example.com"];

/** Run `run` against a test proxy for `policy` in front of the HTTPS test upstreams. */
export function withProxy(
  run: (proxy: TestProxy, upstreams: TestUpstreams) => Promise<void>,
  policy = POLICY,
): Promise<void> {
  const hosts = { httpsHosts: HTTPS_HOSTS, upstreamHosts: HTTPS_HOSTS };
  return withTestProxy({ policy, ...hosts }, run);
}

/** The denial events (action_id 2) the proxy has recorded. */
export const denials = (proxy: TestProxy): OcsfEvent[] =>
  proxy.events.filter((e) => e.action_id === 2);

/** Run a command with only the proxy settings (and the CA) in its environment. */
export async function runClean(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(command, {
    args,
    env: { PATH: "/usr/bin:/bin", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

/** The proxy variables (upper and lower case) a client needs to go through `proxy`. */
export function proxyEnv(proxy: TestProxy): Record<string, string> {
  const url = `http://127.0.0.1:${proxy.port}`;
  return { https_proxy: url, HTTPS_PROXY: url, no_proxy: "", NO_PROXY: "" };
}

/** The python the proxy sees (/usr/bin/python3 is a link to it). */
export const PYTHON = "/usr/bin/python3.11";
/** The real clients the sandbox tests run. */
export const CLIENTS = ["/usr/bin/curl", "/usr/bin/wget", "/usr/bin/node", PYTHON];

/** api.github.com:443 read-only (L7), plain.test:80 read-only (L7), for the real clients. */
export function policyYaml(): string {
  const binaries = CLIENTS.map((path) => `{ path: ${path} }`).join(", ");
  return [
    "version: 1",
    "network_policies:",
    "  gh_ro:",
    "    endpoints:",
    "      - { host: api.github.com, port: 443, protocol: rest, access: read-only }",
    "      - { host: plain.test, port: 80, protocol: rest, access: read-only }",
    `    binaries: [${binaries}]`,
    "",
  ].join("\n");
}
