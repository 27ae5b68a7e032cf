/**
 * The request a Git discovery stands for. `git clone`, `fetch` and `push` over smart HTTP
 * first ask `GET …/info/refs?service=git-upload-pack` (or `git-receive-pack`), then send
 * `POST …/git-upload-pack` (or `…/git-receive-pack`). git prints a refused discovery's
 * `text/plain` body as `remote:` lines, but of a refused POST only "RPC failed; HTTP 403"
 * (remote-curl's `rpc_in` drops the body of any answer of 300 or more). So where the policy
 * allows the discovery but not the POST (a read-only rule), the discovery is decided as the
 * POST too: the clone or push stops where git shows the agent why. A dumb-HTTP server (static
 * files, no POST) is then not cloned under a rule that allows only GET.
 *
 * @module
 */

import type { L7Question } from "./l7_question.ts";

const DISCOVERY = /^(.*)\/info\/refs$/;
/** git sends `service=` alone; any other query is not git's discovery. */
const SERVICE = /^service=(git-upload-pack|git-receive-pack)$/;

/**
 * The POST a smart-HTTP discovery (`GET …/info/refs?service=git-upload-pack` or
 * `…=git-receive-pack`) leads to, or undefined for any other request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gitPackQuestion } from "./git_pack_question.ts";
 * const get = { method: "GET", path: "/o/r.git/info/refs", query: "service=git-receive-pack" };
 * assert.deepEqual(gitPackQuestion(get), { method: "POST", path: "/o/r.git/git-receive-pack" });
 * const clone = { ...get, query: "service=git-upload-pack" };
 * assert.deepEqual(gitPackQuestion(clone), { method: "POST", path: "/o/r.git/git-upload-pack" });
 * assert.equal(gitPackQuestion({ ...get, query: "service=git-x" }), undefined);
 * ```
 */
export function gitPackQuestion(question: L7Question): L7Question | undefined {
  if (question.method !== "GET" || question.query === undefined) return undefined;
  const discovery = DISCOVERY.exec(question.path);
  const service = SERVICE.exec(question.query);
  if (discovery === null || service === null) return undefined;
  return { method: "POST", path: `${discovery[1]}/${service[1]}` };
}
