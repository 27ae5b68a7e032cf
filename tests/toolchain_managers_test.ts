/**
 * Deno and the npm registry's other clients inside `tollgate sandbox run`, against the local
 * registries (`toolchain_registries.ts`): `deno run` fetching an https URL (allowed, and a
 * method the rule refuses), `deno run` of a module on a denied host (the denial in the
 * `X-Deno-Warning` line Deno prints; before, only "403 Forbidden"), `deno cache npm:…` from the registry and from a denied one, and
 * `yarn add` (classic and berry) and `pnpm add`, each allowed and from a denied registry. The
 * package managers are found under `TOLLGATE_TOOLS` (default `/opt/tollgate-tools`, where
 * `npm install --prefix /opt/tollgate-tools yarn@1 pnpm@9` and `npm install --prefix
 * /opt/tollgate-tools/berry @yarnpkg/cli-dist@4` put them); one missing is skipped, said once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { REGISTRY_HOSTS, withRegistries, YARN_REGISTRY } from "./toolchain_registries.ts";
import { installedTools, runScript, type ScriptRun } from "./toolchain_fixtures.ts";

const netns = (await detectIsolation()) === "netns";
if (!netns) console.error("toolchain_managers_test: netns mode skipped: needs network namespaces");

const TOOLS = Deno.env.get("TOLLGATE_TOOLS") ?? "/opt/tollgate-tools";
const MANAGERS = {
  yarn: join(TOOLS, "node_modules/yarn/bin/yarn.js"),
  berry: join(TOOLS, "berry/node_modules/@yarnpkg/cli-dist/bin/yarn.js"),
  pnpm: join(TOOLS, "node_modules/pnpm/bin/pnpm.cjs"),
};
const present = await installedTools("toolchain_managers_test", MANAGERS);

const POLICY = `version: 1
network_policies:
  registries:
    endpoints:
      - { host: registry.npmjs.org, port: 443, protocol: rest, access: read-only }
      - { host: ${YARN_REGISTRY}, port: 443, protocol: rest, access: read-only }
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: "/usr/bin/*" }, { path: "${Deno.execPath()}" }]
`;

const FETCH = `const r = await fetch(Deno.args[0], { method: Deno.args[1] ?? "GET" });
console.log(r.status, await r.text());`;

const BERRY_RC = (registry: string) =>
  `npmRegistryServer: "${registry}"\\nnodeLinker: node-modules\\nenableTelemetry: false\\nnpmMinimalAgeGate: 0\\n`;

function script(): string {
  const deno = Deno.execPath();
  const lines = [
    // Caches of this run's own: yarn classic's is machine-wide (root's in /usr/local/share).
    `export DENO_DIR="$PWD/deno-dir" YARN_CACHE_FOLDER="$PWD/yarn-cache"; printf '%s' '${FETCH}' > fetch.ts`,
    `step deno_get ${deno} run -A fetch.ts https://api.github.com/deno`,
    `step deno_post ${deno} run -A fetch.ts https://api.github.com/deno POST`,
    // Deno prints of a refused import only "403 Forbidden" and the X-Deno-Warning field.
    `step deno_import ${deno} run https://denied.test/mod.ts`,
    `step deno_npm ${deno} cache --quiet npm:tgdemo@1.0.0`,
    `step deno_npm_denied env NPM_CONFIG_REGISTRY=https://denied.test/ ${deno} cache npm:tgdenied@1.0.0`,
    `pkg() { mkdir -p "$1" && echo '{"name":"agent","version":"1.0.0"}' > "$1/package.json"; }`,
  ];
  if (present.yarn) {
    lines.push(
      `pkg y1 && echo 'registry "https://registry.npmjs.org"' > y1/.yarnrc`,
      `step yarn sh -c 'cd y1 && node ${MANAGERS.yarn} add --no-progress tgdemo@1.0.0 && node -p "require(\\"tgdemo\\")"'`,
      `pkg y1d && echo 'registry "https://denied.test"' > y1d/.yarnrc`,
      `step yarn_denied sh -c 'cd y1d && node ${MANAGERS.yarn} add --no-progress tgdemo@1.0.0'`,
    );
  }
  if (present.berry) {
    lines.push(
      `pkg y2 && printf '${
        BERRY_RC(`https://${YARN_REGISTRY}`)
      }' > y2/.yarnrc.yml && touch y2/yarn.lock`,
      `step berry sh -c 'cd y2 && node ${MANAGERS.berry} add tgdemo@1.0.0 && node -p "require(\\"tgdemo\\")"'`,
      `pkg y2d && printf '${
        BERRY_RC("https://denied.test")
      }' > y2d/.yarnrc.yml && touch y2d/yarn.lock`,
      `step berry_denied sh -c 'cd y2d && node ${MANAGERS.berry} add tgdemo@1.0.0'`,
    );
  }
  if (present.pnpm) {
    lines.push(
      `pkg p1 && step pnpm sh -c 'cd p1 && node ${MANAGERS.pnpm} add tgdemo@1.0.0 --registry https://registry.npmjs.org/ && node -p "require(\\"tgdemo\\")"'`,
      `pkg p1d && step pnpm_denied sh -c 'cd p1d && node ${MANAGERS.pnpm} add tgdemo@1.0.0 --registry https://denied.test/'`,
    );
  }
  return `${lines.join("\n")}\nexit 0\n`;
}

async function walk(isolate: "netns" | "env"): Promise<ScriptRun> {
  const work = await Deno.makeTempDir({ prefix: "tg-managers-" });
  try {
    await Deno.mkdir(join(work, "origin"));
    return await new Promise<ScriptRun>((resolve, reject) => {
      withRegistries(join(work, "origin"), async (registries) => {
        await Deno.mkdir(join(work, "agent"));
        resolve(
          await runScript(join(work, "agent"), {
            policy: POLICY,
            isolate,
            script: script(),
            origin: { ...registries, hosts: REGISTRY_HOSTS },
          }),
        );
      }).catch(reject);
    });
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

const DENY = /Forbidden by Tollgate policy|policy_denied/;

function check(run: ScriptRun): void {
  assert.equal(run.code, 0, run.stderr);
  const { results, out } = run;
  const show = (name: string) => `${name} ${results[name]}: ${out[name]}`;
  assert.match(
    out.deno_get ?? "",
    /^200 \{"host":"api.github.com","method":"GET"/,
    show("deno_get"),
  );
  const post = JSON.parse((out.deno_post ?? "").replace(/^403 /, ""));
  assert.equal(post.error, "policy_denied", show("deno_post"));
  assert.equal(post.binary, Deno.execPath());
  assert.notEqual(results.deno_import, "0", show("deno_import"));
  assert.match(
    out.deno_import ?? "",
    /Warning Tollgate policy denied CONNECT denied\.test:443 for \/\S+: endpoint denied\.test:443 not in policy; read http:\/\/policy\.local\/v1\/skill/,
    show("deno_import"),
  );
  assert.equal(results.deno_npm, "0", show("deno_npm"));
  assert.notEqual(results.deno_npm_denied, "0", show("deno_npm_denied"));
  assert.match(out.deno_npm_denied ?? "", /Bad response: 403[\s\S]*"error":"policy_denied"/);
  const managers = ["yarn", "pnpm", "berry"];
  for (const name of managers.filter((m) => present[m])) {
    assert.equal(results[name], "0", show(name));
    assert.match(out[name] ?? "", /npm ok$/, show(name));
    assert.notEqual(results[`${name}_denied`], "0", show(`${name}_denied`));
    assert.match(out[`${name}_denied`] ?? "", DENY, show(`${name}_denied`));
  }
}

Deno.test({
  name:
    "toolchain managers (netns): deno run and deno cache npm:, yarn classic and berry, pnpm: allowed, and a denial each reads",
  ignore: !netns,
  fn: async () => check(await walk("netns")),
});

Deno.test("toolchain managers (env mode): the same through the proxy variables (yarn berry through YARN_HTTPS_PROXY)", async () =>
  check(await walk("env")));
