/**
 * The JVM inside `tollgate sandbox run` (netns and env mode), with no flag: a one-file
 * `java Fetch.java` with `java.net.http.HttpClient` and one with `HttpURLConnection`, allowed,
 * refused at L7 (a method the rule refuses) and at L4 (a host outside the policy), where the
 * program reads the deny body as it reads any error body. Java reads no proxy variable and no
 * PEM file: before, in env mode it connected directly (`UnknownHostException`), and in netns
 * mode its captured connection failed the handshake ("PKIX path building failed"), as it
 * trusted only the JDK's `cacerts`. The sandbox now names the proxy and a PKCS #12 copy of the
 * bundle in `JAVA_TOOL_OPTIONS`, and in netns mode shows that store over the JDK's `cacerts`,
 * so a JVM without the variable trusts the proxy too. Skipped, said once, without `java`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { run, runScript, type ScriptRun, serveOrigin } from "./toolchain_fixtures.ts";

const netns = (await detectIsolation()) === "netns";
if (!netns) console.error("toolchain_jvm_test: netns mode skipped: needs network namespaces");
const JAVA = await Deno.stat("/usr/bin/java").then(() => true, () => false);
if (!JAVA) {
  console.error("toolchain_jvm_test: skipped: no /usr/bin/java (apt openjdk-17-jre-headless)");
}

const POLICY = `version: 1
network_policies:
  api:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: "/usr/lib/jvm/**" }]
`;

/** java.net.http, as the JDK's own examples use it (the default proxy selector). */
const HTTP_CLIENT = `import java.net.URI;
import java.net.http.*;
public class Fetch {
  public static void main(String[] args) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(args[0]))
        .method(args.length > 1 ? args[1] : "GET", HttpRequest.BodyPublishers.noBody()).build();
    HttpResponse<String> response =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    System.out.println(response.statusCode() + " " + response.body());
  }
}
`;

/** HttpURLConnection, reading the error stream of a refused request. */
const URL_CONNECTION = `import java.net.*;
public class Url {
  public static void main(String[] args) throws Exception {
    HttpURLConnection connection = (HttpURLConnection) new URL(args[0]).openConnection();
    connection.setRequestMethod(args.length > 1 ? args[1] : "GET");
    int code = connection.getResponseCode();
    var body = code >= 400 ? connection.getErrorStream() : connection.getInputStream();
    System.out.println(code + " " + new String(body.readAllBytes()));
  }
}
`;

const URL = "https://api.github.com/jvm";

function script(isolate: "netns" | "env"): string {
  // One source launch (`java Fetch.java`, compiled as it starts); the rest run the classes
  // compiled outside, as a build would leave them: a source launch costs some 1.5 CPU-s.
  const lines = [`step client java Fetch.java ${URL}`];
  for (const [name, main] of [["client", "Fetch"], ["url", "Url"]]) {
    if (name === "url") lines.push(`step url java -cp classes Url ${URL}`);
    lines.push(
      `step ${name}_post java -cp classes ${main} ${URL} POST`,
      `step ${name}_l4 java -cp classes ${main} https://denied.test/jvm`,
    );
  }
  // A JVM that dropped the variable: netns mode still captures it, and cacerts trusts the CA.
  if (isolate === "netns") {
    lines.push(`step bare env -u JAVA_TOOL_OPTIONS java -cp classes Url ${URL}`);
  }
  return `${lines.join("\n")}\nexit 0\n`;
}

async function walk(isolate: "netns" | "env"): Promise<ScriptRun> {
  const work = await Deno.makeTempDir({ prefix: "tg-jvm-" });
  const origin = await serveOrigin(
    work,
    ["api.github.com"],
    (request, host) => Response.json({ host, method: request.method }),
  );
  try {
    const agent = join(work, "agent");
    await Deno.mkdir(agent);
    await Deno.writeTextFile(join(agent, "Fetch.java"), HTTP_CLIENT);
    await Deno.writeTextFile(join(agent, "Url.java"), URL_CONNECTION);
    // javac as the JRE holds it (Debian's jre-headless has the jdk.compiler module, no javac).
    const javac = ["-m", "jdk.compiler/com.sun.tools.javac.Main", "-d", "classes"];
    await run("java", [...javac, "Fetch.java", "Url.java"], agent);
    return await runScript(agent, {
      policy: POLICY,
      isolate,
      script: script(isolate),
      origin: { ...origin, hosts: ["api.github.com"] },
    });
  } finally {
    await origin.shutdown();
    await Deno.remove(work, { recursive: true });
  }
}

/** The program's last line: what it printed after the JVM's "Picked up" line. */
const printed = (result: ScriptRun, name: string) =>
  (result.out[name] ?? "").split("\n").at(-1) ?? "";

function check(run: ScriptRun, isolate: "netns" | "env"): void {
  assert.equal(run.code, 0, run.stderr);
  const names = ["client", "url"];
  if (isolate === "netns") names.push("bare");
  for (const name of names) {
    assert.equal(run.results[name], "0", `${name}: ${run.out[name]}`);
    assert.equal(printed(run, name), '200 {"host":"api.github.com","method":"GET"}');
  }
  for (const name of ["client", "url"]) {
    for (const [key, layer] of [[`${name}_post`, "l7"], [`${name}_l4`, "l4"]]) {
      const line = printed(run, key!);
      assert.match(line, /^403 \{/, `${key}: ${run.out[key!]}`);
      const body = JSON.parse(line.slice(4));
      assert.equal(body.error, "policy_denied");
      assert.equal(body.layer, layer);
      assert.match(body.binary, /^\/usr\/lib\/jvm\/.*\/bin\/java$/);
    }
  }
  assert.match(run.out.client ?? "", /^Picked up JAVA_TOOL_OPTIONS: /);
}

Deno.test({
  name:
    "toolchain jvm (netns): java HttpClient and HttpURLConnection allowed, and an L7 and an L4 denial read as the 403 body; a JVM without JAVA_TOOL_OPTIONS trusts the proxy too",
  ignore: !netns || !JAVA,
  fn: async () => check(await walk("netns"), "netns"),
});

Deno.test({
  name: "toolchain jvm (env mode): the same through JAVA_TOOL_OPTIONS (proxy and trust store)",
  ignore: !JAVA,
  fn: async () => check(await walk("env"), "env"),
});
