/**
 * Byte-array searches that any layer may use: the HTTP reader's (proxy/wire) and the policy
 * load worker's (proxy/policy/load) alike. It imports nothing of the project.
 *
 * @module
 */

export { indexOfSequence } from "./index_of_sequence.ts";
