/**
 * The CLI as a newcomer meets it: every mistake is one line that says what to do, exit 2 for
 * bad usage and 1 for a failed operation, and no raw runtime error text (#18 items 1–3).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCliIn } from "./support/mod.ts";

const root = new URL("../", import.meta.url).pathname;
/** The policies directory `inEmptyDir` makes in its directory: a copy of the demo policy. */
const POLICIES = "policies-copy";
const RAW = /os error|readfile|EADDRINUSE|Fetch failed|error sending request|Invalid URL/;

function tollgate(args: string[], cwd: string, env: Record<string, string> = {}) {
  return runCliIn(args, cwd, { env, signal: AbortSignal.abort() });
}

/** Run in a fresh empty directory; `check` gets the result and the directory. */
async function inEmptyDir(
  args: (dir: string) => string[],
  check: (r: { code: number; out: string; err: string }, dir: string) => Promise<void> | void,
  env: Record<string, string> = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-cli-" });
  try {
    // Commands given --policies get a copy: a test never touches the checkout's policies/.
    await Deno.mkdir(join(dir, POLICIES));
    await Deno.copyFile(join(root, "policies/demo.yaml"), join(dir, POLICIES, "demo.yaml"));
    const result = await tollgate(args(dir), dir, env);
    assert.doesNotMatch(result.err, RAW, "no raw runtime text");
    assert.equal(result.err.trim().split("\n").length, 1, `one line: ${result.err}`);
    await check(result, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("cli #18.1: a non-loopback listen address is usage (2) and names only flags the command has", async () => {
  await inEmptyDir(() => ["up", "--policy", "demo", "--gateway-listen", "0.0.0.0:1"], (r) => {
    assert.equal(r.code, 2);
    assert.match(r.err, /--gateway-listen/);
    assert.doesNotMatch(r.err, /--allow-remote/, "up has no --allow-remote");
  });
  await inEmptyDir(() => ["gateway", "--listen", "0.0.0.0:1"], (r) => {
    assert.equal(r.code, 2);
    assert.match(r.err, /--allow-remote with --tls-cert and --tls-key/);
  });
  // One parser for every listener (proxy/policy/host/parse_listen.ts): brackets hold an IP literal.
  await inEmptyDir(() => ["gateway", "--listen", "[nope]:1"], (r) => {
    assert.equal(r.code, 2);
    assert.match(r.err, /Invalid --listen "\[nope\]:1": expected HOST:PORT/);
  });
});

Deno.test("cli #18.1: a malformed --resolve or --gateway is usage (2) on every command that runs a proxy", async () => {
  const commands = [
    ["up", "--policy", "demo", "--policies", POLICIES],
    ["proxy", "--policy", "demo", "--policies", POLICIES],
    ["sandbox", "run", "--policy", "demo", "--policies", POLICIES, "--isolate", "env"],
  ];
  for (const command of commands) {
    const tail = command[0] === "sandbox" ? ["--", "true"] : [];
    await inEmptyDir(() => [...command, "--resolve", "api.test:443", ...tail], (r) => {
      assert.equal(r.code, 2, `${command[0]}: ${r.err}`);
      assert.match(r.err, /--resolve "api\.test:443"/);
    });
  }
  await inEmptyDir(
    () => ["sandbox", "run", "--policy", "demo", "--gateway", "x", "--", "true"],
    (r) => {
      assert.equal(r.code, 2);
      assert.match(r.err, /^error: Invalid --gateway "x": expected a URL/);
    },
  );
});

Deno.test("cli #18.1: sandbox run takes --upstream-ca more than once, as proxy and up do", async () => {
  await inEmptyDir(
    (dir) => [
      "sandbox",
      "run",
      "--policy",
      "demo",
      "--policies",
      POLICIES,
      "--isolate",
      "env",
      "--upstream-ca",
      join(dir, "a.pem"),
      "--upstream-ca",
      join(dir, "b.pem"),
      "--",
      "true",
    ],
    async (r, dir) => {
      await Promise.resolve();
      // The first file is missing: the error names it, never a commander complaint.
      assert.equal(r.code, 1, r.err);
      assert.equal(
        r.err,
        `error: Cannot read --upstream-ca "${join(dir, "a.pem")}": no such file\n`,
      );
    },
  );
});

Deno.test("cli #18.2: a missing --upstream-ca file names the flag and the file", async () => {
  for (const command of [["proxy"], ["up"]]) {
    await inEmptyDir(
      () => [...command, "--policy", "demo", "--policies", POLICIES, "--upstream-ca", "no.pem"],
      (r, dir) => {
        assert.equal(r.code, 1);
        assert.equal(
          r.err,
          `error: Cannot read --upstream-ca "${join(dir, "no.pem")}": no such file\n`,
        );
      },
    );
  }
});

Deno.test("cli #18.2: a busy port names the address and the flag", async () => {
  using busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const address = `127.0.0.1:${busy.addr.port}`;
  const cases: [string[], string][] = [
    [["proxy", "--policy", "demo", "--listen", address], "--listen"],
    [["gateway", "--listen", address], "--listen"],
    [
      ["up", "--policy", "demo", "--gateway-listen", address, "--listen", "127.0.0.1:0"],
      "--gateway-listen",
    ],
  ];
  for (const [args, flag] of cases) {
    await inEmptyDir((dir) => [...args, "--policies", POLICIES, "--state", join(dir, "s")], (r) => {
      assert.equal(r.code, 1, r.err);
      assert.match(
        r.err,
        new RegExp(`^error: Cannot listen on ${address} \\(${flag}\\): the address is in use`),
      );
    });
  }
});

Deno.test("cli #18.2: a proxy without the gateway's token says which flag or variable gives it", async () => {
  await inEmptyDir(
    () => [
      "proxy",
      "--policy",
      "demo",
      "--gateway",
      "http://127.0.0.1:9",
      "--listen",
      "127.0.0.1:0",
    ],
    (r) => {
      assert.equal(r.code, 1);
      assert.match(
        r.err,
        /No gateway enrolment token .*--gateway-token-file FILE.*TOLLGATE_GATEWAY_TOKEN/,
      );
    },
  );
});

Deno.test("cli #18.2: an unreachable gateway is named by its URL", async () => {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${closed.addr.port}`;
  closed.close();
  await inEmptyDir(
    (dir) => {
      Deno.writeTextFileSync(join(dir, "token"), "t".repeat(40));
      return [
        "proxy",
        "--policy",
        "demo",
        "--gateway",
        url,
        "--gateway-token-file",
        join(dir, "token"),
      ]
        .concat(["--listen", "127.0.0.1:0"]);
    },
    (r) => {
      assert.equal(r.code, 1);
      assert.equal(
        r.err,
        `error: Cannot reach the gateway at ${url} (connection refused): is "tollgate gateway" running there?\n`,
      );
    },
  );
});

Deno.test("cli #18.3: commands run outside a policies directory say so and create nothing", async () => {
  const commands = [
    ["proposals", "list"],
    ["proposals", "approve", "--all", "--yes"],
    ["rule", "get"],
    ["proxy", "--policy", "demo"],
    ["up", "--policy", "demo"],
    ["gateway"],
    ["sandbox", "run", "--policy", "demo", "--isolate", "env", "--", "true"],
  ];
  for (const args of commands) {
    await inEmptyDir(() => args, async (r, dir) => {
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.err}`);
      assert.match(
        r.err,
        /^error: No policies directory at ".*": run "tollgate init"/,
        args.join(" "),
      );
      assert.equal(r.out, "", "not 'No proposals'");
      assert.ok(!(await exists(join(dir, ".tollgate"))), `${args.join(" ")} made .tollgate`);
    });
  }
  for (const args of [["ca"], ["reviewers", "add", "alice"]]) {
    await inEmptyDir(() => args, async (r, dir) => {
      assert.equal(r.code, 1);
      assert.match(r.err, /^error: Not in a Tollgate project .*tollgate init.*--state DIR/);
      assert.ok(
        !(await exists(join(dir, ".tollgate"))),
        `${args.join(" ")} made a CA or a credential`,
      );
    });
  }
});

Deno.test("cli #18.3: a policy name that is not there lists the policies that are", async () => {
  await inEmptyDir(() => ["proxy", "--policy", "nope", "--policies", POLICIES], (r) => {
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /^error: No policy "nope" in ".*" \(its policies: .*demo.*\): pass --policy NAME/,
    );
  });
});
