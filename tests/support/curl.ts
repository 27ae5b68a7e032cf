/**
 * Run the real `curl` (so the requester is `/usr/bin/curl`) through a proxy and parse what
 * it printed: one result per URL, kept-alive connections reused across URLs.
 *
 * @module
 */

/** One transfer of a curl run. */
export interface CurlTransfer {
  /** HTTP status (0 when none was received). */
  status: number;
  /** Response header fields, names lower-cased (last value wins). */
  headers: Record<string, string>;
  /** Response body as text. */
  body: string;
  /** New connections curl opened for this transfer (0 = reused). */
  newConnections: number;
}

/** A curl run. */
export interface CurlResult extends CurlTransfer {
  /** curl's exit code (56: the proxy refused the CONNECT). */
  exitCode: number;
  /** curl's error output. */
  stderr: string;
  /** Every transfer, in URL order (the top-level fields repeat the first). */
  transfers: CurlTransfer[];
}

/** Options of {@linkcode curl}. */
export interface CurlOptions {
  /** The proxy's port on 127.0.0.1. */
  proxyPort: number;
  /** CA file curl trusts for HTTPS (the proxy's CA). */
  caPath?: string;
  /** Extra arguments before the URLs (e.g. `["-X", "PUT", "-d", "x"]`). */
  args?: string[];
  /** Whole-run limit in seconds (default 10). */
  maxTime?: number;
}

const MARK = "\n@@tollgate-curl@@";

/**
 * Run curl for `urls` through the proxy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { curl, withTestProxy } from "./mod.ts";
 *
 * await withTestProxy({ policy: "version: 1\n" }, async (proxy) => {
 *   const result = await curl(["http://plain.example.com/"], { proxyPort: proxy.port });
 *   assert.equal(result.status, 403);
 *   assert.equal(result.headers["content-type"], "application/json");
 * });
 * ```
 */
export async function curl(urls: string[], options: CurlOptions): Promise<CurlResult> {
  const args = [
    "-q",
    "-sS",
    "-i",
    "--suppress-connect-headers",
    "--max-time",
    String(options.maxTime ?? 10),
    "-x",
    `http://127.0.0.1:${options.proxyPort}`,
    ...(options.caPath ? ["--cacert", options.caPath] : []),
    "-w",
    `${MARK}%{http_code} %{num_connects}\n`,
    ...(options.args ?? []),
    ...urls,
  ];
  const output = await new Deno.Command("curl", {
    args,
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin" },
  }).output();
  // Output: out0 MARK "status connects\n" out1 MARK "status connects\n" …
  const parts = new TextDecoder().decode(output.stdout).split(MARK);
  const afterLine = (part: string) => part.slice(part.indexOf("\n") + 1);
  const transfers = parts.slice(0, -1).map((part, i) => {
    const transfer = parseTransfer(i === 0 ? part : afterLine(part));
    const [status, connects] = parts[i + 1]!.split("\n")[0]!.split(" ");
    return { ...transfer, status: Number(status), newConnections: Number(connects) };
  });
  const first = transfers[0] ?? { status: 0, headers: {}, body: "", newConnections: 0 };
  return {
    ...first,
    exitCode: output.code,
    stderr: new TextDecoder().decode(output.stderr),
    transfers,
  };
}

function parseTransfer(output: string): CurlTransfer {
  let text = output;
  const headers: Record<string, string> = {};
  // Interim (100 Continue) blocks come before the final head.
  while (/^HTTP\/\S+ 1\d\d/.test(text)) text = text.slice(text.indexOf("\r\n\r\n") + 4);
  const end = text.indexOf("\r\n\r\n");
  if (!text.startsWith("HTTP/") || end === -1) {
    return { status: 0, headers, body: text, newConnections: 0 };
  }
  for (const line of text.slice(0, end).split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: 0, headers, body: text.slice(end + 4), newConnections: 0 };
}

/**
 * Run curl with raw arguments and return the last status and body (for one-URL calls).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { curlArgs, startTestUpstreams } from "./mod.ts";
 *
 * const upstreams = await startTestUpstreams();
 * const { status } = await curlArgs([`http://127.0.0.1:${upstreams.httpPort}/`]);
 * assert.equal(status, 200);
 * await upstreams.close();
 * ```
 */
export async function curlArgs(args: string[]): Promise<{ status: number; body: string }> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "-w", "\n%{http_code}", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const cut = text.lastIndexOf("\n");
  return { status: Number(text.slice(cut + 1)), body: text.slice(0, cut) };
}
