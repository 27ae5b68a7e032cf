/**
 * `tollgate proposals watch`: print each new proposal as it arrives, one line with the
 * command that approves it (naming the hash of the policy the line was read against, which
 * `proposals approve --policy-hash` insists on); coloured and with the terminal bell on a TTY. It watches the
 * policies directory itself, so it sees proposals from every gateway and proxy sharing it.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { type CliContext, resolveUserPath, useColor } from "./context.ts";
import { POLICIES_FLAG, untilAborted } from "./_flags.ts";
import { requirePoliciesDir } from "./_project.ts";
import {
  DirectoryWatcher,
  EventHub,
  type ProposalRecord,
  ProposalStore,
  readForReview,
  visibleText,
} from "../gateway/mod.ts";

/**
 * One watch line for a new proposal (pure).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ProposalRecord } from "../gateway/mod.ts";
 * import { watchLine } from "./proposals_watch.ts";
 *
 * // Only the fields a watch line shows.
 * const record = {
 *   id: "p-0007",
 *   meta: { policy: "demo", sandbox: "sb-1", summary: "GET api.github.com", findings: [] },
 * } as unknown as ProposalRecord;
 * const o = { color: false, policiesFlag: "", policyHash: "ab12", now: new Date() };
 * const line = watchLine(record, o);
 * assert(line.includes("NEW p-0007 demo/sb-1 GET api.github.com"));
 * assert(line.includes("→ tollgate proposals approve p-0007 --policy-hash ab12"));
 * ```
 */
export function watchLine(
  r: ProposalRecord,
  o: { color: boolean; policiesFlag: string; policyHash?: string; now?: Date },
): string {
  const time = (o.now ?? new Date()).toTimeString().slice(0, 8);
  const paint = (code: number, text: string) => o.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  const where = `${visibleText(r.meta.policy, 64)}/${visibleText(r.meta.sandbox ?? "-", 64)}`;
  const findings = r.meta.findings.filter((f) => f.severity !== "info").map((f) => f.code);
  const warn = findings.length ? ` ${paint(33, `[${findings.join(",")}]`)}` : "";
  // The hash of the policy this line was read against: approving refuses once it is another,
  // and without one a rule that now adds grants its checks did not name is refused anyway.
  const hash = o.policyHash ? ` --policy-hash ${o.policyHash}` : "";
  const approve = `tollgate proposals approve ${r.id}${hash}${o.policiesFlag}`;
  return `${time} ${paint(1, "NEW")} ${r.id} ${where} ${visibleText(r.meta.summary, 200)}${warn}` +
    ` → ${paint(36, approve)}${o.color ? "\x07" : ""}\n`;
}

/**
 * Register `proposals watch [--policies DIR]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerWatchCommand } from "./proposals_watch.ts";
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
 * const group = new Command("proposals");
 * registerWatchCommand(group, ctx);
 * assert.deepEqual(group.commands.map((c) => c.name()), ["watch"]);
 * ```
 */
export function registerWatchCommand(group: Command, ctx: CliContext): void {
  group.command("watch").description(
    "Print each new proposal as it arrives, with its approve command",
  )
    .option(...POLICIES_FLAG)
    .action(async (o) => {
      const policiesDir = await requirePoliciesDir(resolveUserPath(ctx, o.policies));
      const store = new ProposalStore({ policiesDir });
      const hub = new EventHub();
      const watcher = new DirectoryWatcher({ policiesDir, hub });
      const policiesFlag = o.policies === "./policies"
        ? ""
        : ` --policies ${shellWord(o.policies)}`;
      let printing = Promise.resolve();
      hub.subscribe((event) => {
        if (event.type !== "proposal.created") return;
        printing = printing.then(async () => {
          const read = await readForReview(store, String(event.data.id)).catch(() => undefined);
          // Decided before it was printed (auto-approved): nothing to approve.
          if (!read || read.record.state !== "pending") return;
          const policyHash = read.state?.currentPolicyHash || undefined;
          ctx.out(watchLine(read.record, { color: useColor(ctx), policiesFlag, policyHash }));
        });
      });
      await watcher.start();
      ctx.out(`Watching ${policiesDir} for new proposals (Ctrl-C to stop)\n`);
      await untilAborted(ctx.signal);
      await watcher.close();
      hub.close();
      await printing;
    });
}

/** `text` as one shell word: as it is when plainly safe, else single-quoted. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
