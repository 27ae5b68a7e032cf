/**
 * The gateway's credentials: reviewer and proxy tokens, kept as hashes in the state
 * directory.
 *
 * @module
 */

export { CredentialStore } from "./credential_store.ts";
export type { Credential, CredentialRole } from "./credential_store.ts";
