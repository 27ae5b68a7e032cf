/**
 * A GraphQL executable document read just far enough to judge it: which operation runs
 * (type and name) and which root fields it selects, fragments expanded. A small hand-written
 * lexer and recursive-descent parser; anything it cannot read is an error (fail closed).
 *
 * @module
 */

/** One operation as a policy sees it. */
export interface GraphqlOperation {
  /** `query`, `mutation` or `subscription`; empty for a hash-only persisted query. */
  operation_type: string;
  /** The operation's name, when it has one. */
  operation_name?: string;
  /** Root field names (never aliases), sorted, without duplicates. */
  fields: string[];
  /** The request named a persisted query (hash or saved-query id). */
  persisted_query: boolean;
  /** `extensions.persistedQuery.sha256Hash`, when given. */
  persisted_query_hash?: string;
  /** `id`, `documentId` or `queryId`, when given. */
  persisted_query_id?: string;
}

// apollo-parser's limits in OpenShell's classifier (recursion 128, 20,000 tokens).
const MAX_TOKENS = 20_000;
const MAX_DEPTH = 128;
const NAME = /[_A-Za-z][_0-9A-Za-z]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const STRING = /"(?:[^"\\\n\r]|\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4}|u\{[0-9A-Fa-f]{1,6}\}))*"/y;
const BLOCK_STRING = /"""(?:[^"\\]|\\"""|\\(?!""")|"(?!""))*"""/y;
const IGNORED = /(?:[\s,\ufeff]|#[^\n\r]*)+/y;
const PUNCT = new Set(["!", "$", "&", "(", ")", ":", "=", "@", "[", "]", "{", "|", "}"]);

interface Token {
  kind: "name" | "punct" | "value";
  text: string;
}

function tokenize(source: string): Token[] {
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

interface Selection {
  fields: string[];
  spreads: string[];
}

interface Definition {
  type: string;
  name?: string;
  selection: Selection;
}

class Parser {
  #tokens: Token[];
  #at = 0;
  readonly operations: Definition[] = [];
  readonly fragments = new Map<string, Selection>();

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  document(): void {
    if (this.#tokens.length === 0) throw new SyntaxError("empty document");
    while (this.#at < this.#tokens.length) this.#definition();
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#at];
  }

  #is(text: string): boolean {
    return this.#peek()?.text === text && this.#peek()?.kind !== "value";
  }

  #expect(text: string): void {
    if (!this.#is(text)) throw new SyntaxError(`expected "${text}"`);
    this.#at++;
  }

  #name(): string {
    const t = this.#peek();
    if (t?.kind !== "name") throw new SyntaxError("expected a name");
    this.#at++;
    return t.text;
  }

  #definition(): void {
    if (this.#is("{")) {
      this.operations.push({ type: "query", selection: this.#selectionSet(0) });
      return;
    }
    const keyword = this.#name();
    if (keyword === "fragment") {
      const name = this.#name();
      if (name === "on") throw new SyntaxError(`fragment cannot be named "on"`);
      this.#typeCondition();
      this.#directives(0);
      this.fragments.set(name, this.#selectionSet(0));
      return;
    }
    if (keyword !== "query" && keyword !== "mutation" && keyword !== "subscription") {
      throw new SyntaxError(`unexpected "${keyword}": only operations and fragments are allowed`);
    }
    const name = this.#peek()?.kind === "name" ? this.#name() : undefined;
    if (this.#is("(")) this.#variableDefinitions();
    this.#directives(0);
    const op: Definition = { type: keyword, selection: this.#selectionSet(0) };
    if (name !== undefined) op.name = name;
    this.operations.push(op);
  }

  #typeCondition(): void {
    if (this.#name() !== "on") throw new SyntaxError(`expected "on"`);
    this.#name();
  }

  #selectionSet(depth: number): Selection {
    if (depth > MAX_DEPTH) throw new SyntaxError("nesting limit reached");
    this.#expect("{");
    const out: Selection = { fields: [], spreads: [] };
    do this.#selection(out, depth); while (!this.#is("}"));
    this.#expect("}");
    return out;
  }

  #selection(out: Selection, depth: number): void {
    if (this.#is("...")) {
      this.#at++;
      if (this.#peek()?.kind === "name" && this.#peek()!.text !== "on") {
        out.spreads.push(this.#name());
        this.#directives(depth);
        return;
      }
      if (this.#peek()?.text === "on") this.#typeCondition();
      this.#directives(depth);
      const inner = this.#selectionSet(depth + 1);
      out.fields.push(...inner.fields);
      out.spreads.push(...inner.spreads);
      return;
    }
    let field = this.#name();
    if (this.#is(":")) {
      this.#at++;
      field = this.#name();
    }
    out.fields.push(field);
    if (this.#is("(")) this.#arguments(depth);
    this.#directives(depth);
    if (this.#is("{")) this.#selectionSet(depth + 1);
  }

  #arguments(depth: number): void {
    this.#expect("(");
    do {
      this.#name();
      this.#expect(":");
      this.#value(depth + 1);
    } while (!this.#is(")"));
    this.#expect(")");
  }

  #directives(depth: number): void {
    while (this.#is("@")) {
      this.#at++;
      this.#name();
      if (this.#is("(")) this.#arguments(depth);
    }
  }

  #variableDefinitions(): void {
    this.#expect("(");
    do {
      this.#expect("$");
      this.#name();
      this.#expect(":");
      this.#type(0);
      if (this.#is("=")) {
        this.#at++;
        this.#value(1);
      }
      this.#directives(0);
    } while (!this.#is(")"));
    this.#expect(")");
  }

  #type(depth: number): void {
    if (depth > MAX_DEPTH) throw new SyntaxError("nesting limit reached");
    if (this.#is("[")) {
      this.#at++;
      this.#type(depth + 1);
      this.#expect("]");
    } else this.#name();
    if (this.#is("!")) this.#at++;
  }

  #value(depth: number): void {
    if (depth > MAX_DEPTH) throw new SyntaxError("nesting limit reached");
    const t = this.#peek();
    if (t === undefined) throw new SyntaxError("expected a value");
    if (t.kind !== "punct") return void this.#at++;
    if (t.text === "$") {
      this.#at++;
      return void this.#name();
    }
    const close = t.text === "[" ? "]" : t.text === "{" ? "}" : undefined;
    if (close === undefined) throw new SyntaxError(`unexpected "${t.text}"`);
    this.#at++;
    while (!this.#is(close)) {
      if (close === "}") {
        this.#name();
        this.#expect(":");
      }
      this.#value(depth + 1);
    }
    this.#at++;
  }
}

/**
 * The operation a GraphQL document runs: its type, name and root fields (aliases resolved to
 * field names, inline fragments and fragment spreads expanded), as OpenShell's classifier
 * reads it.
 *
 * @param operationName The request's `operationName`; needed when the document holds several
 *   operations.
 * @returns The operation, or the reason the document cannot be judged.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyDocument } from "./graphql_document.ts";
 * const op = classifyDocument('mutation M { safe: volumeDelete(id: "x") { id } }');
 * assert.deepEqual(op, { operation_type: "mutation", operation_name: "M", fields: ["volumeDelete"], persisted_query: false });
 * ```
 */
export function classifyDocument(
  query: string,
  operationName?: string,
): GraphqlOperation | string {
  const parser = parse(query);
  if (typeof parser === "string") return parser;
  const ops = parser.operations;
  if (ops.length === 0) return "GraphQL document contains no executable operation";
  let selected: Definition | undefined;
  if (operationName) {
    selected = ops.find((op) => op.name === operationName);
    if (!selected) return `GraphQL operationName ${JSON.stringify(operationName)} was not found`;
  } else if (ops.length === 1) selected = ops[0];
  else return "GraphQL document has multiple operations but no operationName";
  const fields = new Set<string>();
  const visited = new Set<string>();
  const collect = (s: Selection) => {
    for (const f of s.fields) fields.add(f);
    for (const name of s.spreads) {
      const fragment = parser.fragments.get(name);
      if (fragment && !visited.has(name)) {
        visited.add(name);
        collect(fragment);
      }
    }
  };
  collect(selected!.selection);
  const op: GraphqlOperation = {
    operation_type: selected!.type,
    fields: [...fields].sort(),
    persisted_query: false,
  };
  if (selected!.name !== undefined) op.operation_name = selected!.name;
  return op;
}

function parse(query: string): Parser | string {
  try {
    const parser = new Parser(tokenize(query));
    parser.document();
    return parser;
  } catch (error) {
    const why = error instanceof SyntaxError ? error.message : "unreadable document";
    return `GraphQL document parse error: ${why}`;
  }
}
