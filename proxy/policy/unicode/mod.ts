/**
 * The characters a policy rule may not hold, in a folder of its own so that the gateway's
 * lightweight text rendering (`gateway/text`, loaded by the quick `proposals list`) reads the
 * same list without loading the policy kernel.
 *
 * @module
 */

export { INVISIBLE_CHARACTERS, invisibleCharacter } from "./invisible_characters.ts";
