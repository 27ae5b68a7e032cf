/**
 * Read policy YAML: the fast block reader for clean files, the YAML packages loaded on first
 * use for the rest, parsePolicy() with positions, and revision comments.
 *
 * @module
 */

export { parseYamlValue } from "./_fast_yaml.ts";
export { parsePolicy, validateNetworkRule } from "./parse_policy.ts";
export { findRevisionComments, REVISION_COMMENT, revisionCommentLine } from "./revision_comment.ts";
export type { ParsedPolicyText, RevisionMark } from "./revision_comment.ts";
