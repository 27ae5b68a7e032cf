/**
 * The request a Git push's discovery stands for. `git push` over smart HTTP first asks
 * `GET …/info/refs?service=git-receive-pack`, then sends its pack as
 * `POST …/git-receive-pack`. git prints a refused discovery's `text/plain` body as `remote:`
 * lines, but of a refused pack POST only "RPC failed; HTTP 403" (curl drops the body). So
 * where the policy allows the discovery but not the POST (a read-only rule), the discovery is
 * decided as the POST too: the push stops where git shows the agent why, before any pack.
 *
 * @module
 */

import type { L7Question } from "./l7_question.ts";

const DISCOVERY = /^(.*)\/info\/refs$/;

/**
 * The POST a push's discovery (`GET …/info/refs?service=git-receive-pack`) leads to, or
 * undefined for any other request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gitPushQuestion } from "./git_push_question.ts";
 * const get = { method: "GET", path: "/o/r.git/info/refs", query: "service=git-receive-pack" };
 * assert.deepEqual(gitPushQuestion(get), { method: "POST", path: "/o/r.git/git-receive-pack" });
 * assert.equal(gitPushQuestion({ ...get, query: "service=git-upload-pack" }), undefined);
 * ```
 */
export function gitPushQuestion(question: L7Question): L7Question | undefined {
  if (question.method !== "GET" || question.query === undefined) return undefined;
  const discovery = DISCOVERY.exec(question.path);
  if (discovery === null) return undefined;
  // git sends `service=` alone; any other query is not git's discovery.
  if (question.query !== "service=git-receive-pack") return undefined;
  return { method: "POST", path: `${discovery[1]}/git-receive-pack` };
}
