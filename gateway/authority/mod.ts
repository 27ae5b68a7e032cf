/**
 * Authority: what a proposal adds to a policy (the delta, presets expanded), and the org
 * ceiling no policy or approval may exceed.
 *
 * @module
 */

export { authorityDelta, formatGrant } from "./authority_delta.ts";
export type { AuthorityDelta, AuthorityGrant } from "./authority_delta.ts";
export {
  ceilingPath,
  firstOutside,
  policyOutsideCeiling,
  readCeilingView,
  refuseOutsideCeiling,
} from "./org_ceiling.ts";
export { authorityFindings } from "./authority_findings.ts";
export type { CeilingView } from "./authority_findings.ts";
export { checkCeiling } from "./check_ceiling.ts";
