/**
 * The GraphQL lexer behind `classifyDocument()`: names, punctuators, numbers and strings, with
 * OpenShell's apollo-parser token limit. Folder-private.
 *
 * @module
 */

// apollo-parser's limits in OpenShell's classifier (recursion 128, 20,000 tokens).
const MAX_TOKENS = 20_000;
const NAME = /[_A-Za-z][_0-9A-Za-z]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const STRING = /"(?:[^"\\\n\r]|\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4}|u\{[0-9A-Fa-f]{1,6}\}))*"/y;
const BLOCK_STRING = /"""(?:[^"\\]|\\"""|\\(?!""")|"(?!""))*"""/y;
const IGNORED = /(?:[\s,\ufeff]|#[^\n\r]*)+/y;
const PUNCT = new Set(["!", "$", "&", "(", ")", ":", "=", "@", "[", "]", "{", "|", "}"]);

/** One lexical token: a name, a punctuator or a value (number, string). */
export interface Token {
  kind: "name" | "punct" | "value";
  text: string;
}

/** Split a GraphQL document into tokens (ignored characters and comments dropped). */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  const sticky = (re: RegExp): string | undefined => {
    re.lastIndex = at;
    const m = re.exec(source);
    return m?.[0];
  };
  while (at < source.length) {
    const skip = sticky(IGNORED);
    if (skip) {
      at += skip.length;
      continue;
    }
    if (tokens.length >= MAX_TOKENS) throw new SyntaxError("token limit reached");
    const c = source[at]!;
    let text: string | undefined;
    let kind: Token["kind"] = "value";
    if (source.startsWith("...", at)) [text, kind] = ["...", "punct"];
    else if (PUNCT.has(c)) [text, kind] = [c, "punct"];
    else if ((text = sticky(NAME)) !== undefined) kind = "name";
    else text = sticky(BLOCK_STRING) ?? sticky(STRING) ?? sticky(NUMBER);
    if (text === undefined) throw new SyntaxError(`unexpected character at offset ${at}`);
    // A number glued to a name (`1a`) or a dot is not a token boundary GraphQL allows.
    if (kind === "value" && /[_A-Za-z.]/.test(source[at + text.length] ?? "")) {
      throw new SyntaxError(`invalid number at offset ${at}`);
    }
    tokens.push({ kind, text });
    at += text.length;
  }
  return tokens;
}
