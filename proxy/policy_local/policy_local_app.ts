/**
 * The policy.local API as a Hono app: skill, current policy, recent denials, proposals and
 * their state. Routes come only from `routes.ts`; errors are always `{error, detail}`.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import { escapeControlChars, truncateChars } from "../ocsf/mod.ts";
import { TokenBucket } from "../rate/mod.ts";
import { withoutOthersRules } from "../policy/mod.ts";
import {
  fromWebPage,
  gatewayFailed,
  gatewayMissing,
  isFromWebPage,
  PolicyLocalError,
  tooManySubmits,
  tooManyWaits,
} from "./_errors.ts";
import { recentDenials } from "./_denials.ts";
import { ownProposals } from "./_own_proposals.ts";
import { proposalStateBody } from "./_proposal_view.ts";
import { submitProposals, type SubmitQueue } from "./_submit.ts";
import { isCovered, waitForProposal } from "./_wait.ts";
import { POLICY_LOCAL_LIMITS as LIMITS } from "./limits.ts";
import type { PolicyLocalDeps } from "./policy_local_deps.ts";
import type { ProposalSink } from "./proposal_sink.ts";
import {
  ROUTE_DENIALS,
  ROUTE_POLICY_CURRENT,
  ROUTE_PROPOSAL,
  ROUTE_PROPOSAL_WAIT,
  ROUTE_PROPOSALS,
  ROUTE_SKILL,
} from "./routes.ts";

/**
 * Hono's app type, under a name of our own: documenting Hono's declarations is Hono's job,
 * and `@ignore` keeps `deno doc --lint` from walking them.
 *
 * @ignore
 */
type PolicyLocalApp = Hono;

/**
 * Build the policy.local app around injected dependencies. The proxy serves it for
 * `http://policy.local/...` with `app.fetch`; tests call `app.request()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createPolicyLocalApp } from "./policy_local_app.ts";
 * import { PolicyHolder } from "../holder/mod.ts";
 *
 * const app = createPolicyLocalApp({
 *   policyName: "demo",
 *   sandboxId: "sb-1",
 *   policy: PolicyHolder.fromText("demo", "demo.yaml", "version: 1\nrevision: 3\n"),
 *   logDir: "/nonexistent",
 *   skill: () => Promise.resolve("# Policy advisor\n"),
 * });
 * const res = await app.request("http://policy.local/v1/skill");
 * assert.equal(await res.text(), "# Policy advisor\n");
 * ```
 */
export function createPolicyLocalApp(deps: PolicyLocalDeps): PolicyLocalApp {
  const app = new Hono();
  const waits = { open: 0 };
  // Before every route: a site can POST cross-site without a preflight (a form, a no-cors
  // fetch), and a proposal it made would read as the agent's, or fit an auto-approve pattern.
  app.use("*", async (c, next) => {
    if (isFromWebPage(c.req.raw.headers)) throw fromWebPage();
    await next();
  });
  app.get(ROUTE_SKILL, async (c) => {
    const markdown = await deps.skill();
    return c.body(markdown, 200, { "Content-Type": "text/markdown; charset=utf-8" });
  });
  const policyBody = currentPolicyBody(deps);
  app.get(ROUTE_POLICY_CURRENT, (c) => c.body(policyBody(), 200, JSON_TYPE));
  // One scan of the log at a time per sandbox: each reads up to two files' scan budget, and a
  // client asking on many connections at once held that many scans in memory together.
  const scans = oneAtATime();
  app.get(ROUTE_DENIALS, async (c) => {
    const last = clampQuery(c.req.query("last"), LIMITS.denialsDefault, [
      LIMITS.denialsMin,
      LIMITS.denialsMax,
    ]);
    return c.json(await scans(() => recentDenials(deps.logDir, last, deps.sandboxId)));
  });
  // Per app, that is per sandbox: each submit costs the gateway its checks, refused or not.
  const submits = new TokenBucket({
    burst: LIMITS.submitBurst,
    perSecond: LIMITS.submitsPerSecond,
  });
  // One submit at a time goes on to the gateway: a burst from one sandbox takes its turns
  // there instead of all at once, so the gateway answers others between them.
  const queue = oneAtATime();
  app.post(ROUTE_PROPOSALS, async (c) => {
    if (!submits.take()) throw tooManySubmits(submits.secondsToNext());
    return c.json(await submitProposals(c.req.raw, deps, queue), 202);
  });
  app.get(ROUTE_PROPOSAL_WAIT, async (c) => {
    // Counted per app, that is per sandbox: each open wait holds a gateway long poll.
    if (waits.open >= LIMITS.maxConcurrentWaits) throw tooManyWaits();
    waits.open++;
    try {
      return await waitRoute(c, deps);
    } finally {
      waits.open--;
    }
  });
  // So does one status read: each costs the gateway the proposal's candidate, and nothing
  // limits how often an agent asks (32 parallel loops took others' calls from 2 to 50 ms).
  const reads = oneAtATime();
  app.get(ROUTE_PROPOSAL, (c) => statusRoute(c, deps, reads));
  app.notFound(notFound);
  app.onError(onError);
  return app;
}

function notFound(c: Context): Response {
  const route = truncateChars(escapeControlChars(c.req.path), 200);
  return c.json(
    { error: "not_found", detail: `policy.local route not found: ${c.req.method} ${route}` },
    404,
  );
}

function onError(error: Error, c: Context): Response {
  if (error instanceof PolicyLocalError) {
    return c.json({ error: error.code, detail: error.message }, error.status);
  }
  // Never a stack or an internal message: the caller is the sandboxed agent.
  return c.json(
    { error: "internal_error", detail: "policy.local failed to handle the request" },
    500,
  );
}

const JSON_TYPE = { "Content-Type": "application/json" };

/**
 * The body of `GET /v1/policy/current`, made once per policy text: a policy may be large
 * (0.65 MB for 1,500 commented rules), and each ask made it anew, so a client asking on many
 * connections without reading kept the proxy making and holding copies of it.
 */
function currentPolicyBody(deps: PolicyLocalDeps): () => string {
  let made: { text: string; revision: number; hash: string; body: string } | undefined;
  return () => {
    const { text, revision, hash } = deps.policy.current();
    if (made?.text !== text || made.revision !== revision || made.hash !== hash) {
      // Rules that serve another sandbox alone are that sandbox's to see, as its proposals are.
      const shown = withoutOthersRules(text, deps.sandboxId);
      const body = JSON.stringify({ format: "yaml", policy_yaml: shown, revision, hash });
      made = { text, revision, hash, body };
    }
    return made.body;
  };
}

/** A queue that runs each piece of work after the previous one has settled. */
function oneAtATime(): SubmitQueue {
  let turn: Promise<unknown> = Promise.resolve();
  return (work) => {
    const run = turn.then(work);
    turn = run.catch(() => {});
    return run;
  };
}

async function statusRoute(
  c: Context,
  deps: PolicyLocalDeps,
  reads: SubmitQueue,
): Promise<Response> {
  const { sink, id } = proposalTarget(c, deps);
  const state = await gateway(() => reads(() => sink.status(id)));
  if (state === undefined) throw unknownProposal(id);
  const reloaded = state.status === "approved"
    ? isCovered(deps.policy, state, deps.sandboxId)
    : undefined;
  return c.json(proposalStateBody(state, { reloaded }));
}

async function waitRoute(c: Context, deps: PolicyLocalDeps): Promise<Response> {
  const { sink, id } = proposalTarget(c, deps);
  const seconds = clampQuery(c.req.query("timeout"), LIMITS.waitDefaultSeconds, [
    LIMITS.waitMinSeconds,
    LIMITS.waitMaxSeconds,
  ]);
  const outcome = await gateway(() =>
    waitForProposal(sink, deps.policy, {
      id,
      timeoutMs: seconds * 1000,
      signal: c.req.raw.signal,
      sandbox: deps.sandboxId,
    })
  );
  if (outcome === undefined) throw unknownProposal(id);
  return c.json(
    proposalStateBody(outcome.state, { reloaded: outcome.reloaded, timedOut: outcome.timedOut }),
  );
}

function proposalTarget(c: Context, deps: PolicyLocalDeps): { sink: ProposalSink; id: string } {
  const id = c.req.param("id") ?? "";
  if (!LIMITS.proposalIdPattern.test(id)) {
    throw new PolicyLocalError(
      400,
      "invalid_proposal_id",
      "A proposal id is 1 to 64 letters, digits, '_' or '-' (use an id from accepted_chunk_ids)",
    );
  }
  if (deps.sink === undefined) throw gatewayMissing();
  return { sink: ownProposals(deps.sink, deps.sandboxId, deps.workdir), id };
}

async function gateway<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof PolicyLocalError) throw error;
    throw gatewayFailed();
  }
}

// OpenShell's code and wording: a harness matches on `chunk_not_found`. Another sandbox's
// proposal reads the same, so the answer tells nothing about it.
function unknownProposal(id: string): PolicyLocalError {
  return new PolicyLocalError(
    404,
    "chunk_not_found",
    `chunk '${id}' is not present in this sandbox's draft policy`,
  );
}

/** An integer query value clamped to a range; absent or unparsable gives the default. */
function clampQuery(raw: string | undefined, fallback: number, [min, max]: number[]): number {
  if (raw === undefined || !/^-?\d+$/.test(raw)) return fallback;
  return Math.min(max!, Math.max(min!, Number(raw)));
}
