/**
 * The environment a sandboxed command runs with: an allow-listed part of the runner's (never
 * a credential), every common client told to use the proxy, and every common runtime told to
 * trust the Tollgate CA (the bundle it names is written by `writeCaBundle()`).
 *
 * @module
 */

import { javaToolOptions } from "./java_settings.ts";

/** Inputs of {@linkcode sandboxEnv}. */
export interface SandboxEnvOptions {
  /** The proxy as the command sees it, e.g. `http://127.0.0.1:3128`. */
  proxyUrl: string;
  /** Merged bundle: system roots + the Tollgate CA (see {@linkcode writeCaBundle}). */
  caBundlePath: string;
  /** The Tollgate CA certificate alone (for runtimes that append to their own roots). */
  caCertPath: string;
  /** The policy-advisor skill the agent reads after a denial. */
  skillPath: string;
  /** The environment to start from (usually the caller's); only allow-listed names are kept. */
  baseEnv: Record<string, string | undefined>;
  /** Variables the runner passes on purpose (`sandbox run --env`), checked by `checkPassedEnv`. */
  passEnv?: Record<string, string>;
  /**
   * A wgetrc naming the bundle (`WGETRC`), for env mode, where the system trust store cannot
   * be covered: wget reads no CA variable. Netns mode covers the store itself.
   */
  wgetrcPath?: string;
  /**
   * An apt configuration naming the bundle (`APT_CONFIG`), for env mode: apt's https method
   * reads no CA variable, only the system store, which netns mode covers.
   */
  aptConfigPath?: string;
  /**
   * The bundle as a PKCS #12 store (`writeJavaTrustStore`): named with the proxy in
   * `JAVA_TOOL_OPTIONS`, since the JVM reads neither the proxy variables nor a PEM file.
   */
  javaTrustStorePath?: string;
}

/**
 * Names the command inherits from the runner: what a shell and a locale need, nothing that
 * grants anything. Everything else (tokens, cloud keys, agent sockets, `TOLLGATE_*`) stays
 * outside; a variable the agent needs is passed by name with `sandbox run --env`.
 */
export const SANDBOX_ENV_ALLOW: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "PWD",
  "TMPDIR",
  "TERM",
  "COLORTERM",
  "NO_COLOR",
  "TZ",
  "LANG",
  "LANGUAGE",
  // Where rustup's proxies (`~/.cargo/bin/cargo`) find their toolchains and cargo its cache
  // and config: a rust image sets both (`/usr/local/rustup`, `/usr/local/cargo`), and without
  // them cargo stops ("rustup could not choose a version of cargo to run"). Paths, not
  // credentials: what the command may read there is the filesystem_policy's to say.
  "RUSTUP_HOME",
  "CARGO_HOME",
];

/** Locale variables (`LC_ALL`, `LC_CTYPE`, …) are kept too. */
const LOCALE = /^LC_[A-Z]+$/;

/** Names that hold credentials: never passed in, even when asked by name. */
const SECRET = /^TOLLGATE_.*(TOKEN|SECRET|KEY|CREDENTIAL)|^TOLLGATE_GATEWAY_/;

/**
 * Why `name` may not be passed into a sandbox, or undefined when it may.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPassedEnv } from "./sandbox_env.ts";
 * assert.notEqual(checkPassedEnv("TOLLGATE_GATEWAY_TOKEN"), undefined);
 * assert.equal(checkPassedEnv("OPENAI_BASE_URL"), undefined);
 * ```
 */
export function checkPassedEnv(name: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `"${name}" is not a variable name`;
  if (SECRET.test(name)) return `"${name}" holds a Tollgate credential and never enters a sandbox`;
  return undefined;
}

/** Hosts that never go through the proxy: loopback only, so policy.local still does. */
export const SANDBOX_NO_PROXY = "127.0.0.1,localhost,::1";

/**
 * The command's environment: the allow-listed names of `baseEnv` ({@linkcode SANDBOX_ENV_ALLOW},
 * `LC_*`), then `passEnv`, then the proxy variables in both cases (and yarn berry's
 * `YARN_HTTP_PROXY`/`YARN_HTTPS_PROXY`), `NO_PROXY` for
 * loopback only, CA trust for curl, OpenSSL, Python requests, Node, Git and Deno, and
 * `TOLLGATE_SKILL`. Variables that *replace* a runtime's roots (`SSL_CERT_FILE`,
 * `REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`, `GIT_SSL_CAINFO`, `PIP_CERT`, `AWS_CA_BUNDLE`,
 * `GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`, `CARGO_HTTP_CAINFO`, `npm_config_cafile`) get the merged
 * bundle, so the
 * command keeps trusting public CAs for anything Tollgate passes through untouched; variables
 * that *add* a certificate (`NODE_EXTRA_CA_CERTS`, `DENO_CERT`) get the Tollgate CA alone.
 * `JAVA_TOOL_OPTIONS` names the proxy and a PKCS #12 copy of the bundle to the JVM, which reads
 * neither the variables nor a PEM file (when `javaTrustStorePath` is given), and `APT_CONFIG`
 * the bundle to apt (when `aptConfigPath` is given: env mode).
 * `NODE_USE_ENV_PROXY=1` makes Node (22.21+, 24.5+) send `fetch` and `https` through the
 * proxy variables; older Node is caught by transparent mode in netns mode. `SSL_CERT_DIR` is
 * never set: the bundle already holds every root, and the runner's value is not passed in.
 * Undefined values in `baseEnv` are dropped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sandboxEnv } from "./sandbox_env.ts";
 * const env = sandboxEnv({
 *   proxyUrl: "http://127.0.0.1:3128",
 *   caBundlePath: "/s/ca/bundle.pem",
 *   caCertPath: "/s/ca/ca.pem",
 *   skillPath: "/t/skills/policy_advisor.md",
 *   baseEnv: { PATH: "/usr/bin", NO_PROXY: "example.com" },
 * });
 * assert.equal(env.https_proxy, "http://127.0.0.1:3128");
 * assert.equal(env.NO_PROXY, "127.0.0.1,localhost,::1");
 * ```
 */
export function sandboxEnv(options: SandboxEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.baseEnv)) {
    // An allow-list, not a deny-list: a credential the runner holds under any name stays out.
    if (value !== undefined && (SANDBOX_ENV_ALLOW.includes(key) || LOCALE.test(key))) {
      env[key] = value;
    }
  }
  for (const [key, value] of Object.entries(options.passEnv ?? {})) {
    const problem = checkPassedEnv(key);
    if (problem !== undefined) throw new TypeError(`Cannot pass ${problem}`);
    env[key] = value;
  }
  // An ALL_PROXY/all_proxy could send other protocols elsewhere: the sandbox has one way out.
  delete env.ALL_PROXY;
  delete env.all_proxy;
  return {
    ...env,
    HTTP_PROXY: options.proxyUrl,
    HTTPS_PROXY: options.proxyUrl,
    http_proxy: options.proxyUrl,
    https_proxy: options.proxyUrl,
    // Yarn berry reads no standard proxy variable, only its own settings.
    YARN_HTTP_PROXY: options.proxyUrl,
    YARN_HTTPS_PROXY: options.proxyUrl,
    NO_PROXY: SANDBOX_NO_PROXY,
    no_proxy: SANDBOX_NO_PROXY,
    SSL_CERT_FILE: options.caBundlePath,
    REQUESTS_CA_BUNDLE: options.caBundlePath,
    CURL_CA_BUNDLE: options.caBundlePath,
    GIT_SSL_CAINFO: options.caBundlePath,
    PIP_CERT: options.caBundlePath,
    AWS_CA_BUNDLE: options.caBundlePath,
    GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: options.caBundlePath,
    CARGO_HTTP_CAINFO: options.caBundlePath,
    // npm (and pnpm) read no NODE_EXTRA_CA_CERTS once an npmrc names a `cafile` (a corporate
    // setup's `cafile=/etc/ssl/certs/ca-certificates.crt`): the variable outranks every npmrc.
    npm_config_cafile: options.caBundlePath,
    NODE_EXTRA_CA_CERTS: options.caCertPath,
    NODE_USE_ENV_PROXY: "1",
    DENO_CERT: options.caCertPath,
    ...(options.wgetrcPath === undefined ? {} : { WGETRC: options.wgetrcPath }),
    ...(options.aptConfigPath === undefined ? {} : { APT_CONFIG: options.aptConfigPath }),
    ...(options.javaTrustStorePath === undefined ? {} : {
      JAVA_TOOL_OPTIONS: javaToolOptions(
        options.proxyUrl,
        options.javaTrustStorePath,
        env.JAVA_TOOL_OPTIONS,
      ),
    }),
    TOLLGATE_SKILL: options.skillPath,
  };
}
