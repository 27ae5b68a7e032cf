/**
 * `tollgate sandbox run`: run a command whose only way out is a Tollgate proxy started for it.
 *
 * @module
 */

import { type Command, Option } from "@commander-js/extra-typings";
import { type CliContext, CliFailure, resolveUserPath } from "./context.ts";
import { commandGroup } from "./_command_group.ts";
import { CertificateAuthority, DEFAULT_SKILL_PATH, startProxyService } from "../proxy/mod.ts";
import {
  bridgePathProblem,
  capturePorts,
  chooseIsolation,
  DEFAULT_MAX_PROCESSES,
  DEFAULT_NICE,
  forgetNetns,
  type IsolateMode,
  runSandbox,
} from "../proxy/sandbox/mod.ts";
import { gatewayLink } from "./_gateway_link.ts";
import { fenceOf, unfencedWarning } from "./_sandbox_fence.ts";
import { reportScopedRules } from "./_scoped_rules.ts";
import {
  collect,
  GATEWAY_FLAG,
  GATEWAY_TOKEN_FILE_FLAG,
  parsePositiveInt,
  POLICIES_FLAG,
  RESOLVE_FLAG,
  STATE_FLAG,
  UPSTREAM_CA_FLAG,
} from "./_flags.ts";
import { LOG_FLAGS, parseLogFlags, SANDBOX_LOG_RATE_FLAG } from "./_log_flags.ts";
import { checkProxyFlags } from "./_proxy_flags.ts";
import { failureMessage, startFailure } from "./_start_errors.ts";
import { requirePolicy } from "./_project.ts";
import { parseNice, passedEnv } from "./_sandbox_flags.ts";

const ISOLATE_MODES = ["auto", "netns", "env"] as const;

/**
 * Register `sandbox run --policy NAME [--policies DIR] [--gateway URL] [--isolate MODE]
 * [--state DIR] [--resolve HOST:PORT:ADDR]… [--upstream-ca PEM]… [--env NAME[=VALUE]]…
 * [--log-max-mb MB] [--log-keep-days DAYS] [--log-budget-mb MB] [--log-rate-kb KB] [--max-processes N] [--nice N]
 * [--max-memory-mb MB] [--quiet] -- CMD ARGS…`. The exit code is CMD's; a
 * setup failure is one line and exit 1. In netns mode one line on standard error says how the
 * command is isolated and why (`--quiet` drops it; env-mode warnings are always printed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerSandboxCommands } from "./sandbox_command.ts";
 *
 * const ctx = {
 *   cwd: "/",
 *   env: {},
 *   out() {},
 *   err() {},
 *   isTTY: false,
 *   signal: new AbortController().signal,
 *   setExitCode() {},
 * };
 * const program = new Command();
 * registerSandboxCommands(program, ctx);
 * assert.deepEqual(program.commands.map((c) => c.name()), ["sandbox"]);
 * const subcommands = program.commands[0]!.commands.map((c) => c.name());
 * assert.deepEqual(subcommands, ["run"]);
 * ```
 */
export function registerSandboxCommands(program: Command, ctx: CliContext): void {
  const sandbox = commandGroup(
    program,
    "sandbox",
    "Run commands whose only way out is a Tollgate proxy",
    { usage: "sandbox run --policy NAME -- CMD ARGS..." },
  ).enablePositionalOptions();
  sandbox
    .command("run")
    .description("Start a proxy for this sandbox and run CMD with only that proxy reachable")
    .requiredOption("--policy <name>", "policy name (POLICIES/NAME.yaml)")
    .option(...POLICIES_FLAG)
    .option(...GATEWAY_FLAG)
    .option(...GATEWAY_TOKEN_FILE_FLAG)
    .addOption(
      new Option("--isolate <mode>", "isolation").choices(ISOLATE_MODES).default("auto" as const),
    )
    .option(...STATE_FLAG)
    .option(...RESOLVE_FLAG)
    .option(...UPSTREAM_CA_FLAG)
    .option(
      "--env <name[=value]>",
      "pass one more variable to CMD (its value here, or VALUE); repeatable",
      collect,
      [],
    )
    .option(...LOG_FLAGS.maxMb)
    .option(...LOG_FLAGS.keepDays)
    .option(...LOG_FLAGS.budgetMb)
    .option(...SANDBOX_LOG_RATE_FLAG)
    .option(
      "--max-processes <n>",
      "processes and threads CMD may have at once (netns mode)",
      String(DEFAULT_MAX_PROCESSES),
    )
    .option(
      "--nice <n>",
      "CMD's CPU priority, 0 to 19; it cannot lower it (netns mode)",
      String(DEFAULT_NICE),
    )
    .option("--max-memory-mb <mb>", "memory CMD may use (netns; default: half the machine's)")
    .option("--quiet", "do not print how the sandbox is isolated")
    .argument("<command...>", "the command to run (after --)")
    .passThroughOptions()
    .action(async (command, options) => {
      const passEnv = passedEnv(options.env, ctx.env);
      const logs = parseLogFlags(options);
      const maxProcesses = parsePositiveInt(options.maxProcesses, "--max-processes");
      const nice = parseNice(options.nice);
      const maxMemoryMb = options.maxMemoryMb === undefined
        ? undefined
        : parsePositiveInt(options.maxMemoryMb, "--max-memory-mb");
      const { upstream, gateway, gatewayTokenFile } = await checkProxyFlags(ctx, options);
      const stateDir = resolveUserPath(ctx, options.state);
      const policiesDir = resolveUserPath(ctx, options.policies);
      // Before the CA is made: a typo or an unreachable gateway must not leave a .tollgate with
      // a CA key behind.
      if (gateway === undefined) await requirePolicy(policiesDir, options.policy);
      const link = await gatewayLink(
        { gateway, gatewayTokenFile, policy: options.policy, policiesDir, stateDir },
        ctx.env,
      );
      if (!options.quiet) { for (const url of link.unfenced) ctx.err(unfencedWarning(url)); }
      // Until the proxy owns the link, a failure here retires its credential.
      let linked = false;
      // The proxy's own start (an invalid policy) says nothing about the remembered yes.
      let proxyFailure: unknown;
      const choice = await isolationFor(options.isolate, ctx, stateDir).catch(retiring(link));
      // Before the CA is made: a netns sandbox whose forwarder cannot reach its bridge there.
      const unreachable = choice.isolation === "netns"
        ? bridgePathProblem(stateDir, ctx.cwd)
        : undefined;
      if (unreachable !== undefined) await retiring(link)(new CliFailure(unreachable));
      const ca = await CertificateAuthority.loadOrCreate(stateDir).catch(retiring(link));
      const code = await runSandbox({
        command,
        isolation: choice.isolation,
        stateDir,
        caPem: ca.certPem,
        skillPath: DEFAULT_SKILL_PATH,
        // The policy repository read-only, the ceiling and auto-approval patterns hidden; the
        // linked gateway's repository and state too, where they are on this machine.
        ...await fenceOf(policiesDir, link.fences),
        env: ctx.env,
        passEnv,
        cwd: ctx.cwd,
        signal: ctx.signal,
        maxProcesses,
        nice,
        maxMemoryMb,
        onLog: (line) => ctx.err(`${line}\n`),
        onIsolated: options.quiet ? undefined : (notice) =>
          ctx.err(
            `${notice} (--isolate ${options.isolate}${
              options.isolate === "auto" ? ": user namespaces work here" : ""
            })\n`,
          ),
        startProxy: async (inside) => {
          linked = true;
          const service = await startProxyService({
            ...link,
            policy: options.policy,
            policiesDir,
            stateDir,
            ca,
            ...upstream,
            skillPath: DEFAULT_SKILL_PATH,
            // With include_workdir the command can write there: its proposals name it.
            workdir: ctx.cwd,
            // next_steps names the copy the command can read, never this checkout's path.
            shownSkillPath: inside.skillPath,
            listenerIdle: inside.viaBridge,
            ...logs,
            report: (message) => ctx.err(`${message}\n`),
          }).catch((error) => {
            proxyFailure = error;
            return retiring(link)(error);
          });
          const scoped = reportScopedRules(service.holder, link.scopes, ctx.err);
          await link.started(service.sandboxId);
          // The sandbox's proxy credential, and its session rules, die with its proxy.
          return {
            ...service,
            close: () =>
              service.close().finally(() => scoped.end(service.sandboxId)).finally(link.retire),
            policyPorts: () => capturePorts(service.holder.current().policy),
            staticSections: () => service.holder.current().policy,
          };
        },
      }).catch(async (error: unknown) => {
        if (!linked) await link.retire();
        // Nor does a command that is not there or that the filesystem_policy does not reach.
        const commandRefused = error instanceof Deno.errors.NotFound ||
          error instanceof Deno.errors.PermissionDenied;
        const beforeNetns = error === proxyFailure || commandRefused;
        if (!choice.remembered || beforeNetns) return startFailure(error);
        // The remembered yes was wrong, or the namespace failed for another reason: probe anew.
        await forgetNetns(stateDir);
        throw new CliFailure(`${failureMessage(error)} (${FORGOTTEN})`);
      });
      ctx.setExitCode(code);
    });
}

/** A rejection handler that retires the gateway link, then rethrows. */
function retiring(link: { retire(): Promise<void> }) {
  return async (error: unknown): Promise<never> => {
    await link.retire();
    throw error;
  };
}

/** Said after a start failure of a run whose netns came from the remembered probe answer. */
const FORGOTTEN = "the remembered netns probe answer is forgotten: run again to probe anew";

/**
 * `auto` takes netns when it works, else env with a warning naming why; `netns` insists. A yes
 * is remembered in the state directory (see `netnsRemembered()`).
 */
async function isolationFor(mode: IsolateMode, ctx: CliContext, stateDir: string) {
  const options = { path: ctx.env.PATH, stateDir };
  const choice = await chooseIsolation(mode, options).catch((error: Error) => {
    throw new CliFailure(error.message);
  });
  if (choice.fallbackReason !== undefined) {
    ctx.err(
      `warning: --isolate auto fell back to env: a network namespace is unavailable here ` +
        `(${choice.fallbackReason})\n`,
    );
  }
  return choice;
}
