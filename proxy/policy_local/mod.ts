/**
 * policy.local, the sandbox-local API an agent reaches through the proxy: its handler (the Hono
 * app, loaded on the first request), its route constants and limits, the structured 403 that
 * points the agent to it, and the `ProposalSink` hand-off to the gateway.
 *
 * @module
 */

export { renderDenyResponse } from "./deny_body.ts";
export { AGENT_GUIDANCE } from "./next_steps.ts";
export { renderErrorResponse } from "./rendered_response.ts";
export { renderDenyDenoWarning, renderDenyText } from "./deny_text.ts";
export type { DenyBody, DenyOptions } from "./deny_body.ts";
export type { NextStep } from "./next_steps.ts";
export type { RenderedResponse } from "./rendered_response.ts";
export {
  POLICY_LOCAL_BASE,
  POLICY_LOCAL_HOST,
  policyLocalUrl,
  ROUTE_DENIALS,
  ROUTE_POLICY_CURRENT,
  ROUTE_PROPOSAL,
  ROUTE_PROPOSAL_WAIT,
  ROUTE_PROPOSALS,
  ROUTE_SKILL,
} from "./routes.ts";
export type {
  Finding,
  Guidance,
  ProposalInput,
  ProposalSink,
  ProposalStatus,
  SubmitRefusalCode,
  SubmitResult,
} from "./proposal_sink.ts";
export { GUIDANCE, isGuidance } from "./proposal_sink.ts";
// The Hono app itself stays out of this module: the handler loads it on first use.
export { policyLocalHandler } from "./policy_local_handler.ts";
export type { PolicyLocalHandler } from "./policy_local_handler.ts";
export type { PolicyLocalDeps, PolicySnapshot, PolicyView } from "./policy_local_deps.ts";
export { POLICY_LOCAL_LIMITS } from "./limits.ts";
export type { DenialsBody, DenialSummary } from "./_denials.ts";
export type { ProposalStateBody } from "./_proposal_view.ts";
export type { SubmittedBody } from "./_submit.ts";
