/**
 * Bounded maps: {@linkcode LruMap}, the one size-bounded cache every part of Tollgate uses
 * (the proxy's TLS, DNS and process caches, the gateway's policy and candidate caches). It
 * imports nothing of the project, so any folder may use it.
 *
 * @module
 */

export { LruMap } from "./lru_map.ts";
