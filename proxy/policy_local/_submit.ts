/**
 * `POST /v1/proposals`: read, validate, then hand each `addRule` to the gateway.
 *
 * @module
 */

import { configEvent, escapeControlChars, truncateChars } from "../ocsf/mod.ts";
import { restAllows } from "../policy/mod.ts";
import { gatewayFailed, gatewayMissing, PolicyLocalError } from "./_errors.ts";
import { ownProposals } from "./_own_proposals.ts";
import { readBody } from "./_read_body.ts";
import { validateProposal, type ValidOperation } from "./_validate_proposal.ts";
import { POLICY_LOCAL_LIMITS } from "./limits.ts";
import type { PolicyLocalDeps } from "./policy_local_deps.ts";
import type { ProposalSink } from "./proposal_sink.ts";
import { ROUTE_PROPOSALS } from "./routes.ts";

/** The 202 body of `POST /v1/proposals`. */
export interface SubmittedBody {
  /** Always `submitted`. */
  status: "submitted";
  /** Operations the gateway stored. */
  accepted_chunks: number;
  /** Operations the gateway refused. */
  rejected_chunks: number;
  /** One entry per refused operation, naming `operations[i]`. */
  rejection_reasons: string[];
  /** Ids to pass to the proposal routes. */
  accepted_chunk_ids: string[];
}

/** Runs a sandbox's gateway calls one after the other (see `createPolicyLocalApp`). */
export type SubmitQueue = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * Handle one proposal request end to end; throws `PolicyLocalError` for refusals. The body is
 * read and validated at once; the calls to the gateway wait their turn in `queue`.
 */
export async function submitProposals(
  request: Request,
  deps: PolicyLocalDeps,
  queue: SubmitQueue = (work) => work(),
): Promise<SubmittedBody> {
  const sink = deps.sink;
  if (sink === undefined) {
    await request.body?.cancel().catch(() => {});
    throw gatewayMissing();
  }
  const bytes = await readBody(request, {
    maxBytes: POLICY_LOCAL_LIMITS.maxBodyBytes,
    timeoutMs: deps.bodyTimeoutMs ?? POLICY_LOCAL_LIMITS.bodyReadTimeoutMs,
  });
  const proposal = validateProposal(parseJson(bytes));
  return await queue(() => submitAll(proposal, sink, deps));
}

async function submitAll(
  proposal: ReturnType<typeof validateProposal>,
  sink: ProposalSink,
  deps: PolicyLocalDeps,
): Promise<SubmittedBody> {
  const body: SubmittedBody = {
    status: "submitted",
    accepted_chunks: 0,
    rejected_chunks: 0,
    rejection_reasons: [],
    accepted_chunk_ids: [],
  };
  const own = ownProposals(sink, deps.sandboxId, deps.workdir);
  for (const [index, op] of proposal.operations.entries()) {
    const result = await submitOne(own, deps.policyName, op, proposal.intentSummary, body);
    if (!result.accepted && TOO_MANY.includes(result.code ?? "")) throw tooMany(result, body);
    if (result.accepted) {
      body.accepted_chunks++;
      body.accepted_chunk_ids.push(result.proposal.id);
      audit(deps, result.proposal.id, op);
    } else {
      body.rejected_chunks++;
      const reasons = result.reasons.map((r) => truncateChars(escapeControlChars(r), 500));
      body.rejection_reasons.push(`operations[${index}] (${op.ruleName}): ${reasons.join("; ")}`);
    }
  }
  return body;
}

// Refusals about the sandbox, not the rule: the whole request stops with 429.
const TOO_MANY: string[] = ["too_many_pending", "too_many_refusals"];

/**
 * 429: the sandbox has as many pending proposals as it may, or its proposals are held after
 * ceiling refusals; name what was stored before.
 */
function tooMany(
  result: { reasons: string[]; code?: string },
  sofar: SubmittedBody,
): PolicyLocalError {
  const why = truncateChars(escapeControlChars(result.reasons.join("; ")), 500);
  const stored = sofar.accepted_chunk_ids.length
    ? `; already accepted from this request: ${sofar.accepted_chunk_ids.join(", ")}`
    : "";
  return new PolicyLocalError(429, result.code ?? "too_many_pending", `${why}${stored}`);
}

function parseJson(bytes: Uint8Array): unknown {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new PolicyLocalError(400, "invalid_proposal", "The request body is not valid UTF-8 JSON");
  }
  const { maxJsonDepth, maxJsonValues } = POLICY_LOCAL_LIMITS;
  const problem = shapeProblem(value, maxJsonDepth, maxJsonValues);
  if (problem === "depth") {
    const detail = `The request body nests deeper than ${maxJsonDepth} levels`;
    throw new PolicyLocalError(400, "invalid_proposal", detail);
  }
  if (problem === "values") {
    const detail = `The request body holds more than ${maxJsonValues} JSON values: ` +
      "propose the narrowest rule (a few endpoints, rules and binaries)";
    throw new PolicyLocalError(400, "invalid_proposal", detail);
  }
  return value;
}

// Iterative, unlike the checks that come after it.
function shapeProblem(value: unknown, maxDepth: number, maxValues: number) {
  const stack: [unknown, number][] = [[value, 0]];
  let values = 0;
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (++values > maxValues) return "values";
    if (typeof item !== "object" || item === null) continue;
    if (depth >= maxDepth) return "depth";
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return undefined;
}

async function submitOne(
  sink: ProposalSink,
  policy: string,
  op: ValidOperation,
  rationale: string,
  sofar: SubmittedBody,
): ReturnType<ProposalSink["submit"]> {
  try {
    return await sink.submit({ policy, ruleName: op.ruleName, rule: op.rule, rationale });
  } catch {
    if (sofar.accepted_chunk_ids.length === 0) throw gatewayFailed();
    // Some operations are stored already: name them so the agent does not resubmit them.
    throw new PolicyLocalError(
      502,
      "gateway_unavailable",
      `The policy gateway failed after accepting ${sofar.accepted_chunk_ids.join(", ")}; ` +
        `check those with GET ${ROUTE_PROPOSALS}/<id> and resubmit only the rest`,
    );
  }
}

function audit(deps: PolicyLocalDeps, id: string, op: ValidOperation): void {
  if (deps.emit === undefined || deps.sink?.recordsProposals === true) return;
  const ep = op.rule.endpoints[0];
  const allow = ep && restAllows(ep)[0];
  const target = `${ep?.host ?? "*"}:${ep?.port ?? ep?.ports?.join(",") ?? "-"}`;
  const what = allow ? ` ${allow.method} ${allow.path}` : "";
  const who = op.rule.binaries?.[0] ? ` by ${op.rule.binaries[0].path}` : " by any binary";
  const message = `agent proposal ${id} (${op.ruleName}) on ${target}${what}${who}`;
  try {
    deps.emit(configEvent("PROPOSED", message, {
      policy: deps.policyName,
      proposalId: id,
      time: (deps.now ?? Date.now)(),
    }));
  } catch {
    // Auditing must not turn an accepted proposal into an error for the agent.
  }
}
