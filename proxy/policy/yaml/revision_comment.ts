/**
 * Where Tollgate keeps a policy's revision: a whole-line comment `# tollgate-revision: N` at
 * column 0. OpenShell's parser refuses unknown top-level keys (`revision:` included), so a file
 * Tollgate writes keeps its counter where every YAML reader skips it. A `revision:` key of an
 * older file is still read (approval replaces it with the comment).
 *
 * @module
 */

import type { Document } from "yaml";
import { yamlPackage } from "./_yaml_packages.ts";

/** The comment's text before the number. */
export const REVISION_COMMENT = "# tollgate-revision:";

const LINE = /^# tollgate-revision:[ \t]*([^\s]*)[ \t]*$/gm;

/** A policy text already parsed by the `yaml` package (saves parsing it again). */
export type ParsedPolicyText = Document;

/** One revision comment found in a policy text (offsets into the LF text). */
export interface RevisionMark {
  /** The revision it gives; undefined when its value is not a non-negative integer. */
  revision?: number;
  /** The value as written. */
  raw: string;
  /** Offset of the line's `#`. */
  start: number;
  /** Offset just past the line (before its newline). */
  end: number;
}

/**
 * Every revision comment line of `text` (LF line ends), skipping lines that are part of a
 * scalar (a block or quoted string that happens to hold the same words).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findRevisionComments } from "./revision_comment.ts";
 * const [mark] = findRevisionComments("version: 1\n# tollgate-revision: 4\n");
 * assert(mark!.revision === 4 && mark!.start === 11);
 * ```
 */
export function findRevisionComments(text: string, doc?: ParsedPolicyText): RevisionMark[] {
  const found = [...text.matchAll(LINE)];
  if (found.length === 0) return [];
  const scalars: [number, number][] = [];
  const { isScalar, parseDocument, visit } = yamlPackage();
  visit(doc ?? parseDocument(text), {
    Scalar(_, node) {
      if (isScalar(node) && node.range) scalars.push([node.range[0], node.range[1]]);
    },
  });
  return found
    .filter((m) => !scalars.some(([a, b]) => m.index! > a && m.index! < b))
    .map((m) => {
      const raw = m[1]!;
      const mark: RevisionMark = { raw, start: m.index!, end: m.index! + m[0].length };
      if (/^\d{1,15}$/.test(raw)) mark.revision = Number(raw);
      return mark;
    });
}

/**
 * The comment line for revision `n`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { revisionCommentLine } from "./revision_comment.ts";
 * assert.equal(revisionCommentLine(3), "# tollgate-revision: 3");
 * ```
 */
export function revisionCommentLine(n: number): string {
  return `${REVISION_COMMENT} ${n}`;
}
