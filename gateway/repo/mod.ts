/**
 * The policies directory as the gateway keeps it: policy files (read, list, cached compile,
 * text edits that keep comments and key order), atomic writes and durable renames, the directory
 * lock, Git (commit, through the client's hardened `runGit()`), and the quoting of untrusted
 * text in messages.
 *
 * @module
 */

export {
  renameDurable,
  stageFile,
  syncDirectories,
  TEMP_FILE,
  writeFileAtomic,
} from "./atomic_file.ts";
export type { StagedFile, WriteAtomicOptions } from "./atomic_file.ts";
export { withDirectoryLock } from "./directory_lock.ts";
export {
  excludeLocalFiles,
  gitCommitFile,
  gitDriverOverrides,
  gitFileDirty,
  gitUserName,
  gitWorkTreeRoot,
} from "./git_repo.ts";
export type { FileCommit } from "./git_repo.ts";
export { PolicyCache } from "./policy_cache.ts";

export { isPolicyName, listPolicyNames, policyFilePath, readPolicyFile } from "./policy_files.ts";
export type { PolicyFile } from "./policy_files.ts";
export {
  insertRuleText,
  proposalMarker,
  reinsertRuleLines,
  ruleKeyFor,
  setRevisionText,
} from "./policy_text_edit.ts";
export { similarRuleKey } from "./similar_rule_key.ts";
export { quoteUntrusted, unquote, visibleText } from "../text/mod.ts";
export { scopedRuleKey } from "./scoped_rule_key.ts";
