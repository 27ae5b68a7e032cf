/**
 * Untrusted text made safe to show: one visible line, or a quoted block that can never add
 * diff lines or terminal escapes. Imports nothing, so a quick command can load it alone.
 *
 * @module
 */

export { quoteUntrusted, unquote, visibleText } from "./untrusted_text.ts";
