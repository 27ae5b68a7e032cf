/** decide() table cases: the REST presets, explicit rules, methods and path globs. */
import type { Case } from "./_decide_fixtures.ts";
import { GH, GIT, l7, PY } from "./_decide_fixtures.ts";

/** decide() cases: the REST presets, explicit rules, methods and path globs. */
export const restCases: Case[] = [
  // Presets.
  {
    name: "read-only GET",
    facts: l7(GH, "GET", "/repos/o/r"),
    verdict: "allow",
    reason: "allowed by policy 'gh_ro'",
    layer: "l7",
    policy: "gh_ro",
  },
  {
    name: "read-only HEAD",
    facts: l7(GH, "HEAD", "/"),
    verdict: "allow",
    reason: "allowed by policy 'gh_ro'",
  },
  {
    name: "read-only OPTIONS lower-case",
    facts: l7(GH, "options", "/x"),
    verdict: "allow",
    reason: "allowed by policy 'gh_ro'",
  },
  {
    name: "read-only PUT denied",
    facts: l7(GH, "PUT", "/repos/o/r/contents/x.md"),
    verdict: "deny",
    reason: "PUT /repos/o/r/contents/x.md not permitted by policy",
    layer: "l7",
    policy: "gh_ro",
  },
  {
    name: "read-only POST denied",
    facts: l7(GH, "POST", "/graphql"),
    verdict: "deny",
    reason: "POST /graphql not permitted by policy",
  },
  {
    name: "read-write POST",
    facts: l7("api.example.com", "POST", "/items", PY),
    verdict: "allow",
    reason: "allowed by policy 'rw_api'",
  },
  {
    name: "read-write PATCH",
    facts: l7("api.example.com", "PATCH", "/items/1", PY),
    verdict: "allow",
    reason: "allowed by policy 'rw_api'",
  },
  {
    name: "read-write DELETE denied",
    facts: l7("api.example.com", "DELETE", "/items/1", PY),
    verdict: "deny",
    reason: "DELETE /items/1 not permitted by policy",
    policy: "rw_api",
  },
  {
    name: "read-write deny rule any method",
    facts: l7("api.example.com", "GET", "/admin/users", PY),
    verdict: "deny",
    reason: "GET /admin/users blocked by deny rule",
    policy: "rw_api",
  },
  {
    name: "full DELETE",
    facts: l7("full.example.com", "DELETE", "/anything/at/all"),
    verdict: "allow",
    reason: "allowed by policy 'full_api'",
  },
  {
    name: "full odd method",
    facts: l7("full.example.com", "PROPFIND", "/"),
    verdict: "allow",
    reason: "allowed by policy 'full_api'",
  },
  // Explicit rules, methods and path globs.
  {
    name: "explicit lower-case method in policy",
    facts: l7("git.example.com", "POST", "/acme/tool.git/git-upload-pack", GIT),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
  },
  {
    name: "explicit method mismatch",
    facts: l7("git.example.com", "PUT", "/acme/tool.git/git-upload-pack", GIT),
    verdict: "deny",
    reason: "PUT /acme/tool.git/git-upload-pack not permitted by policy",
    policy: "explicit",
  },
  {
    name: "* method any",
    facts: l7("git.example.com", "DELETE", "/any-method", GIT),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
  },
  {
    name: "path * within one segment",
    facts: l7("git.example.com", "GET", "/repos/acme/issues", GIT),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
  },
  {
    name: "path * does not cross /",
    facts: l7("git.example.com", "GET", "/repos/acme/tool/issues", GIT),
    verdict: "deny",
    reason: "GET /repos/acme/tool/issues not permitted by policy",
  },
  {
    name: "path ** across /",
    facts: l7("git.example.com", "GET", "/files/a/b/c.txt", GIT),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
  },
  {
    name: "path exact is exact",
    facts: l7("git.example.com", "GET", "/any-method/x", GIT),
    verdict: "deny",
    reason: "GET /any-method/x not permitted by policy",
  },
  {
    name: "deny beats allow (path)",
    facts: l7("git.example.com", "GET", "/files/secret/key", GIT),
    verdict: "deny",
    reason: "GET /files/secret/key blocked by deny rule",
    layer: "l7",
    policy: "explicit",
  },
  {
    name: "deny rule other method does not fire",
    facts: l7("git.example.com", "POST", "/files/secret/key", GIT),
    verdict: "deny",
    reason: "POST /files/secret/key not permitted by policy",
  },
];
