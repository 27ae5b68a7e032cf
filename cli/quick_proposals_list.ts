/**
 * `tollgate proposals list` without commander, the policy engine or YAML: the CLI entry tries
 * this first, and it answers only the plain forms (`proposals list [--policies DIR]
 * [--status S] [--json]`) when every proposal to show lists from its seal. Anything else
 * (help, a bad flag, a missing directory, decided proposals to read, findings to recompute,
 * an approval to finish) falls through to the full command, which answers as always.
 * It imports only Deno's APIs and `gateway/listing`, so such a listing starts about as fast
 * as an empty `deno run`.
 *
 * @module
 */

import {
  type ListedProposal,
  proposalIdsIn,
  proposalJson,
  quickPendingList,
  renderProposalList,
  safeJson,
} from "../gateway/listing/mod.ts";
import type { CliContext } from "./context.ts";
import { DEFAULT_POLICIES } from "./_defaults.ts";

const STATES = ["pending", "approved", "rejected"] as const;

/** The flags of a plain `proposals list`. */
interface ListFlags {
  policies: string;
  status?: (typeof STATES)[number];
  json: boolean;
}

/**
 * Run `args` as a quick `proposals list` and return its exit code, or undefined when the
 * full command must run it instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quickProposalsList } from "./quick_proposals_list.ts";
 * const cwd = await Deno.makeTempDir();
 * await Deno.mkdir(`${cwd}/policies`);
 * const out: string[] = [];
 * const ctx = { cwd, env: {}, isTTY: false, out: (t: string) => void out.push(t) };
 * assert.equal(await quickProposalsList(["proposals", "list"], ctx), 0);
 * assert.equal(out.join(""), "No proposals\n");
 * assert.equal(await quickProposalsList(["proposals", "list", "--help"], ctx), undefined);
 * await Deno.remove(cwd, { recursive: true });
 * ```
 */
export async function quickProposalsList(
  args: string[],
  ctx: Pick<CliContext, "cwd" | "env" | "isTTY" | "out">,
): Promise<number | undefined> {
  const flags = listFlags(args);
  if (!flags || Deno.build.os === "windows") return undefined;
  const dir = flags.policies.startsWith("/") ? flags.policies : `${ctx.cwd}/${flags.policies}`;
  if (!(await Deno.stat(dir).then((s) => s.isDirectory, () => false))) return undefined;
  const listed = await quickList(dir, flags.status);
  if (!listed) return undefined;
  // As useColor(): on a terminal and without NO_COLOR.
  const color = ctx.isTTY && ctx.env.NO_COLOR === undefined;
  ctx.out(
    flags.json ? safeJson(listed.map(proposalJson), 2) + "\n" : renderProposalList(listed, color),
  );
  return 0;
}

/** The proposals of `status` (every state when absent), when their seals say it all. */
async function quickList(
  dir: string,
  status: ListFlags["status"],
): Promise<ListedProposal[] | undefined> {
  for (const state of ["approved", "rejected"] as const) {
    // Decided proposals are read from their patches: the full command does that.
    if (status !== "pending" && (status ?? state) === state) {
      if ((await proposalIdsIn(`${dir}/${state}`)).length > 0) return undefined;
    }
  }
  return status === undefined || status === "pending" ? await quickPendingList(dir) : [];
}

/** The flags of a plain `proposals list`, or undefined for any other command line. */
function listFlags(args: string[]): ListFlags | undefined {
  if (args[0] !== "proposals" || args[1] !== "list") return undefined;
  const flags: ListFlags = { policies: DEFAULT_POLICIES, json: false };
  for (let i = 2; i < args.length; i++) {
    const [name, inline] = splitFlag(args[i]!);
    if (name === "--json" && inline === undefined) {
      flags.json = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === "" || value.startsWith("-")) return undefined;
    if (name === "--policies") flags.policies = value;
    else if (name === "--status" && (STATES as readonly string[]).includes(value)) {
      flags.status = value as ListFlags["status"];
    } else return undefined;
  }
  return flags;
}

function splitFlag(arg: string): [string, string | undefined] {
  const at = arg.indexOf("=");
  return at > 0 && arg.startsWith("--") ? [arg.slice(0, at), arg.slice(at + 1)] : [arg, undefined];
}
