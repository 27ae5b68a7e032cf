/**
 * How a denial names a GraphQL operation: `mutation DeleteRepo { deleteRepository }`. Only
 * GraphQL names are echoed; an operation name from a request's JSON that is not one (it
 * could hold anything) is left out.
 *
 * @module
 */

import type { GraphqlOperation } from "../rpc/mod.ts";
import type { GraphqlOperationSummary } from "../model/mod.ts";

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;

/**
 * The summary and one-line text of an operation, for the 403 body, the OCSF event and logs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarizeOperation } from "./graphql_summary.ts";
 * const s = summarizeOperation({ operation_type: "mutation", operation_name: "D", fields: ["deleteRepository"], persisted_query: false });
 * assert.equal(s.text, "mutation D { deleteRepository }");
 * ```
 */
export function summarizeOperation(
  op: GraphqlOperation,
): { summary: GraphqlOperationSummary; text: string } {
  const summary: GraphqlOperationSummary = {
    operation_type: op.operation_type,
    fields: op.fields.slice(0, 20),
  };
  if (op.operation_name !== undefined && GRAPHQL_NAME.test(op.operation_name)) {
    summary.operation_name = op.operation_name;
  }
  const head = [summary.operation_type || "persisted query", summary.operation_name]
    .filter(Boolean).join(" ");
  const fields = summary.fields.length > 0 ? ` { ${summary.fields.join(" ")} }` : "";
  return { summary, text: head + fields };
}
