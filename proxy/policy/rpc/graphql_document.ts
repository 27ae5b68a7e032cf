/**
 * A GraphQL executable document read just far enough to judge it: which operation runs
 * (type and name) and which root fields it selects, fragments expanded. A small hand-written
 * lexer and recursive-descent parser; anything it cannot read is an error (fail closed).
 *
 * @module
 */

import { tokenize } from "./_graphql_lexer.ts";
import { type Definition, Parser, type Selection } from "./_graphql_parser.ts";

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
