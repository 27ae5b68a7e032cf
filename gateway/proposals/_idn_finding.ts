/**
 * The proposal check on internationalized host names. A punycode label (`xn--pple-43d`) is
 * ASCII in the rule and on the wire, where it reads as noise, while a browser, a chat client or
 * the agent's rationale shows the name it encodes (`аpple.com`, with a Cyrillic "а"): a
 * look-alike of a site the reviewer trusts. It is a warning (never auto-approved) that spells
 * out what it displays as.
 *
 * @module
 */

import { domainToUnicode } from "node:url";
import type { NetworkRule } from "../../proxy/policy/mod.ts";
import type { Finding } from "../../proxy/policy_local/mod.ts";
import { visibleText } from "../repo/mod.ts";

/** Scripts named in the warning; letters of any other are "other". */
const SCRIPTS: [string, RegExp][] = [
  ["Latin", /\p{Script=Latin}/u],
  ["Cyrillic", /\p{Script=Cyrillic}/u],
  ["Greek", /\p{Script=Greek}/u],
  ["Armenian", /\p{Script=Armenian}/u],
  ["Georgian", /\p{Script=Georgian}/u],
  ["Cherokee", /\p{Script=Cherokee}/u],
  ["Hebrew", /\p{Script=Hebrew}/u],
  ["Arabic", /\p{Script=Arabic}/u],
  ["Han", /\p{Script=Han}/u],
];

/**
 * One `idn_host` warning per endpoint whose host holds a punycode label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { idnHostFindings } from "./_idn_finding.ts";
 * const [f] = idnHostFindings({ endpoints: [{ host: "xn--pple-43d.com", port: 443 }] });
 * assert.match(f!.message, /<U\+0430>pple\.com \(Latin and Cyrillic letters\)/);
 * assert.deepEqual(idnHostFindings({ endpoints: [{ host: "apple.com", port: 443 }] }), []);
 * ```
 */
export function idnHostFindings(rule: NetworkRule): Finding[] {
  const out: Finding[] = [];
  rule.endpoints.forEach((e, i) => {
    const host = e.host ?? "";
    if (!host.split(".").some((label) => /^xn--/i.test(label))) return;
    const shown = visibleText(host, 260);
    out.push({
      code: "idn_host",
      severity: "warn",
      message: `endpoints[${i}] host ${shown} is an internationalized name: ${displayed(host)}`,
    });
  });
  return out;
}

/** What a browser shows for `host`, each non-ASCII character spelled out, and its scripts. */
function displayed(host: string): string {
  const unicode = domainToUnicode(host.toLowerCase());
  // node:url answers an empty string, or U+FFFD in a label, for a name it cannot decode.
  if (unicode === "" || unicode.includes("\ufffd")) {
    return "its punycode is not a valid internationalized name; check it is the site meant";
  }
  const spelled = unicode.replace(
    /[^\x21-\x7e]/gu,
    (ch) => `<U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}>`,
  );
  const letters = [...unicode].filter((ch) => /\p{L}/u.test(ch));
  const named = SCRIPTS.filter(([, re]) => letters.some((ch) => re.test(ch))).map(([n]) => n);
  if (letters.some((ch) => !SCRIPTS.some(([, re]) => re.test(ch)))) named.push("other");
  const scripts = named.length > 1
    ? `${named.slice(0, -1).join(", ")} and ${named.at(-1)}`
    : named[0] ?? "no";
  return `a browser or chat shows it as ${visibleText(spelled, 400)} (${scripts} letters), ` +
    "which can imitate another site; check it is the one meant";
}
