/**
 * The confined sandbox's fresh HOME gets the runner's git identity, read without starting git:
 * the same entries as `git config --global --get-regexp` (the lookup it replaces) for every
 * file below, git itself run beside it as the oracle.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { gitIdentity } from "../proxy/sandbox/_git_identity.ts";

const gitHere = await new Deno.Command("git", { args: ["--version"], stdout: "null" }).output()
  .then((out) => out.success, () => false);

/** `~/.gitconfig` (undefined: none; null: a folder) and `~/.config/git/config`. */
const CASES: [string, string | null | undefined, string?][] = [
  ["plain", "[user]\n\tname = Ann\n\temail = ann@example.com\n"],
  ["no file", undefined],
  ["a folder", null, "[user]\nname = Xdg\n"],
  ["only the XDG file", undefined, "[user]\nname = Xdg\n"],
  ["both: ~/.gitconfig alone is read", "[user]\nemail = a@b\n", "[user]\nname = Xdg\n"],
  ["case", "[User]\nNAME = Ann\nEMail = e\n"],
  ["quotes and spaces", '[user]\n  name =   "Ann  "  B   \t C  \n'],
  ["escapes", '[user]\nname = "a\\"b\\\\c\\td\\ne\\bf"\n'],
  ["a continued line", "[user]\nname = Ann \\\n  B\n"],
  ["comments", '# top\n[user] ; here\nname = Ann # no\nemail = "a#b;c" ; x\n'],
  ["CRLF", "[user]\r\nname = Ann\r\nemail = e\r\n"],
  ["a lone CR", "[user]\nname = A\rB\n"],
  ["a BOM", "\ufeff[user]\nname = Ann\n"],
  ["no final line break", "[user]\nname = Ann"],
  ["a subsection", '[user "work"]\nname = W\n[user]\nname = U\n'],
  ["the legacy form", "[user.name]\nx = y\n[user]\nemail = e\n"],
  ["a key on the header's line", "[user] name = Ann\n"],
  ["a bare key", "[user]\nname\nemail = e\n"],
  ["an empty value", '[user]\nname =\nemail = ""\n'],
  ["repeated", "[user]\nname = A\nname = B\n[core]\nname = C\n[user]\nemail = E\n"],
  ["an include, not followed", "[include]\npath = other\n[user]\nname = A\n"],
  ["other keys", "[user]\nnamex = A\nsigningkey = K\nuseConfigOnly = true\n"],
  ["an unknown escape", "[user]\nname = a\\qb\n"],
  ["an open quote", '[user]\nname = "Ann\n'],
  ["a bad line after", "[user]\nname = Ann\n[core\n"],
  ["a bad key", "[user]\n1name = A\n"],
  ["an empty section", "[]\nname = A\n"],
  ["before any section", "name = A\n[user]\nemail = e\n"],
  ["escaped subsection", '[user "a\\"b"]\nname = A\n[user]\nname = B\n'],
  ["not UTF-8", "[user]\nname = caf\xe9\n"],
  ["a value with a NUL", "[user]\nname = a\0b\nemail = e\n"],
  ["a comment after a quote", '[user]\nname = "A" # c\n'],
  ["a quote in the middle", '[user]\nname = a"b c"d\n'],
  ["a key with a dash", "[user]\nname-x = A\nname = B\n"],
  ["space before =", "[user]\nname\t  = A\n"],
  ["an empty file", ""],
];

/** What the old lookup returned: git's own entries, or none when git failed. */
async function fromGit(home: string): Promise<[string, string][]> {
  const out = await new Deno.Command("git", {
    args: ["config", "--global", "--null", "--get-regexp", "^user\\.(name|email)$"],
    env: { HOME: home },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!out.success) return [];
  return new TextDecoder().decode(out.stdout).split("\0").flatMap((entry) => {
    const at = entry.indexOf("\n");
    return at > 0 ? [[entry.slice(5, at), entry.slice(at + 1)] as [string, string]] : [];
  });
}

/** Text as bytes, each character below 256 one byte (the "not UTF-8" case writes a raw é). */
function bytesOf(text: string): Uint8Array {
  if ([...text].some((c) => c.charCodeAt(0) > 255)) return new TextEncoder().encode(text);
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

Deno.test({
  name: "gitIdentity() reads what `git config --global` reads, without git",
  ignore: !gitHere,
  fn: async () => {
    let found = 0;
    for (const [name, gitconfig, xdg] of CASES) {
      const home = await Deno.makeTempDir({ prefix: "tg-gitid-" });
      try {
        if (gitconfig === null) await Deno.mkdir(join(home, ".gitconfig"));
        else if (gitconfig !== undefined) {
          await Deno.writeFile(join(home, ".gitconfig"), bytesOf(gitconfig));
        }
        if (xdg !== undefined) {
          await Deno.mkdir(join(home, ".config", "git"), { recursive: true });
          await Deno.writeFile(join(home, ".config", "git", "config"), bytesOf(xdg));
        }
        const expected = await fromGit(home);
        assert.deepEqual(await gitIdentity(home), expected, name);
        if (expected.length > 0) found++;
      } finally {
        await Deno.remove(home, { recursive: true });
      }
    }
    // Most cases hold an identity: the comparison is not between two empty lists.
    assert.ok(found >= 25, `${found} cases with an identity`);
  },
});

Deno.test("gitIdentity() without a HOME is none", async () => {
  assert.deepEqual(await gitIdentity(undefined), []);
});
