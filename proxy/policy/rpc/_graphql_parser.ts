/**
 * The GraphQL parser behind `classifyDocument()`: operations and fragments with their root
 * selections; arguments, variables and directives are read only to be skipped. Folder-private.
 *
 * @module
 */

import type { Token } from "./_graphql_lexer.ts";

// apollo-parser's recursion limit in OpenShell's classifier.
const MAX_DEPTH = 128;

/** The root level of a selection set: field names (not aliases) and fragment spreads. */
export interface Selection {
  fields: string[];
  spreads: string[];
}

/** One operation: its type, name and root selection. */
export interface Definition {
  type: string;
  name?: string;
  selection: Selection;
}

/** A recursive-descent reader of operations and fragments (nothing else is allowed). */
export class Parser {
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
