/**
 * Default paths of the CLI's flags, in a file that imports nothing: the quick listing reads
 * them without loading the flag definitions (and node:path with them).
 *
 * @module
 */

/** The default `--policies` directory of every command. */
export const DEFAULT_POLICIES = "./policies";
