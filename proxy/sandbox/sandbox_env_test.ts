import assert from "node:assert/strict";
import { SANDBOX_NO_PROXY, sandboxEnv } from "./sandbox_env.ts";

const paths = {
  proxyUrl: "http://127.0.0.1:3128",
  caBundlePath: "/state/sandboxes/sb-1/public/ca-bundle.pem",
  caCertPath: "/state/sandboxes/sb-1/public/tollgate-ca.pem",
  skillPath: "/tollgate/skills/policy_advisor.md",
};

Deno.test("sandboxEnv() sets every proxy, CA and skill variable", () => {
  const env = sandboxEnv({ ...paths, baseEnv: {} });
  const expected: [string, string][] = [
    ["HTTP_PROXY", paths.proxyUrl],
    ["HTTPS_PROXY", paths.proxyUrl],
    ["http_proxy", paths.proxyUrl],
    ["https_proxy", paths.proxyUrl],
    ["YARN_HTTP_PROXY", paths.proxyUrl],
    ["YARN_HTTPS_PROXY", paths.proxyUrl],
    ["NO_PROXY", "127.0.0.1,localhost,::1"],
    ["no_proxy", "127.0.0.1,localhost,::1"],
    // These replace a runtime's roots: the merged bundle keeps public CAs working.
    ["SSL_CERT_FILE", paths.caBundlePath],
    ["REQUESTS_CA_BUNDLE", paths.caBundlePath],
    ["CURL_CA_BUNDLE", paths.caBundlePath],
    ["GIT_SSL_CAINFO", paths.caBundlePath],
    ["PIP_CERT", paths.caBundlePath],
    ["AWS_CA_BUNDLE", paths.caBundlePath],
    ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", paths.caBundlePath],
    ["CARGO_HTTP_CAINFO", paths.caBundlePath],
    ["npm_config_cafile", paths.caBundlePath],
    // Node 22.21+ and 24.5+ send fetch and https through the proxy variables with this.
    ["NODE_USE_ENV_PROXY", "1"],
    // These add to a runtime's roots: the Tollgate CA alone.
    ["NODE_EXTRA_CA_CERTS", paths.caCertPath],
    ["DENO_CERT", paths.caCertPath],
    ["TOLLGATE_SKILL", paths.skillPath],
  ];
  for (const [key, value] of expected) assert.equal(env[key], value, key);
  assert.equal(Object.keys(env).length, expected.length);
});

Deno.test("sandboxEnv() keeps the base environment but overrides what routes traffic", () => {
  const table: { base: Record<string, string | undefined>; key: string; want?: string }[] = [
    { base: { PATH: "/usr/bin" }, key: "PATH", want: "/usr/bin" },
    { base: { HTTPS_PROXY: "http://elsewhere:8080" }, key: "HTTPS_PROXY", want: paths.proxyUrl },
    { base: { no_proxy: "*" }, key: "no_proxy", want: SANDBOX_NO_PROXY },
    { base: { NO_PROXY: "example.com" }, key: "NO_PROXY", want: SANDBOX_NO_PROXY },
    { base: { ALL_PROXY: "socks5://elsewhere:1080" }, key: "ALL_PROXY", want: undefined },
    { base: { all_proxy: "socks5://elsewhere:1080" }, key: "all_proxy", want: undefined },
    { base: { SSL_CERT_FILE: "/etc/other.pem" }, key: "SSL_CERT_FILE", want: paths.caBundlePath },
    { base: { UNSET: undefined }, key: "UNSET", want: undefined },
  ];
  for (const { base, key, want } of table) {
    assert.equal(sandboxEnv({ ...paths, baseEnv: base })[key], want, `${key} from ${base[key]}`);
  }
});

Deno.test("sandboxEnv() names the proxy and the Java trust store in JAVA_TOOL_OPTIONS", () => {
  const javaTrustStorePath = "/state dir/public/ca-bundle.p12";
  const env = sandboxEnv({
    ...paths,
    javaTrustStorePath,
    baseEnv: { JAVA_TOOL_OPTIONS: "-Dfrom.runner=1" },
    passEnv: { JAVA_TOOL_OPTIONS: "-Xmx1g" },
  });
  assert.equal(
    env.JAVA_TOOL_OPTIONS,
    "-Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=3128 -Dhttps.proxyHost=127.0.0.1 " +
      "-Dhttps.proxyPort=3128 -Dhttp.nonProxyHosts=localhost|127.*|[::1] " +
      '-Djavax.net.ssl.trustStore="/state dir/public/ca-bundle.p12" ' +
      "-Djavax.net.ssl.trustStoreType=PKCS12 -Xmx1g",
  );
  assert.equal(sandboxEnv({ ...paths, baseEnv: {} }).JAVA_TOOL_OPTIONS, undefined);
});

Deno.test("sandboxEnv() names an apt configuration in APT_CONFIG only when given one (env mode)", () => {
  const aptConfigPath = "/state/sandboxes/sb-1/public/apt.conf";
  assert.equal(sandboxEnv({ ...paths, aptConfigPath, baseEnv: {} }).APT_CONFIG, aptConfigPath);
  assert.equal(sandboxEnv({ ...paths, baseEnv: { APT_CONFIG: "/x" } }).APT_CONFIG, undefined);
});
