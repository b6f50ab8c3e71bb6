// aer completion bash|zsh: scripts generated from the command tree, checked by completing words in the real shells.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { promisify } from "node:util";
import { uniqueName } from "../../helpers/names.js";
import { aerRaw } from "./run-aer.js";

const run = promisify(execFile);

async function scriptFile(t: TestContext, shell: "bash" | "zsh"): Promise<string> {
  const result = await aerRaw(["completion", shell]);
  assert.equal(result.code, 0, result.stderr);
  const path = join(tmpdir(), `${uniqueName("aer-completion")}.${shell}`);
  await writeFile(path, result.stdout);
  t.after(() => rm(path, { force: true }));
  return path;
}

/** What bash offers after the words of `line` (the last one being completed). */
async function bashCompletes(script: string, line: string[]): Promise<string[]> {
  const words = line.map((w) => `'${w}'`).join(" ");
  const { stdout } = await run("bash", ["-c", `source '${script}'; COMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _aer; printf '%s\\n' "\${COMPREPLY[@]}"`]);
  return stdout.split("\n").filter(Boolean);
}

/** What zsh offers: _describe and compadd are the completion system's; stand-ins print the candidates. */
async function zshCompletes(script: string, line: string[]): Promise<string[]> {
  const words = line.map((w) => `'${w}'`).join(" ");
  const stubs = `_describe() { local -a list; list=("\${(@P)4}"); printf '%s\\n' "\${list[@]%%:*}"; }; compadd() { shift; printf '%s\\n' "$@"; }; _files() { echo '<files>'; }`;
  const { stdout } = await run("zsh", ["-c", `${stubs}; source '${script}'; words=(${words}); CURRENT=${line.length}; _aer`]);
  return stdout.split("\n").filter(Boolean);
}

test("bash completion completes commands, subcommands, options and option choices from the command tree", async (t) => {
  const script = await scriptFile(t, "bash");
  assert.deepEqual(await bashCompletes(script, ["aer", "ce"]), ["cell"]);
  assert.deepEqual(await bashCompletes(script, ["aer", "cell", "fr"]), ["free", "freeze"]);
  assert.deepEqual(await bashCompletes(script, ["aer", "-o", "json", "exec", "st"]), ["start", "stop"]);
  assert.deepEqual(await bashCompletes(script, ["aer", "-o", "y"]), ["yaml"]);
  assert.deepEqual(await bashCompletes(script, ["aer", "exec", "start", "--restart", ""]), ["no", "on-failure", "always"]);
  assert.deepEqual(await bashCompletes(script, ["aer", "--config", "/x", "cell", "list", "--w"]), ["--watch"]);
  assert.deepEqual(await bashCompletes(script, ["aer", "completion", ""]), ["bash", "zsh"]);
  assert.ok((await bashCompletes(script, ["aer", ""])).includes("top"));
});

test("zsh completion offers the same words, with descriptions for _describe", async (t) => {
  const script = await scriptFile(t, "zsh");
  assert.deepEqual(await zshCompletes(script, ["aer", "cell", "fr"]), ["allocate", "update", "free", "freeze", "thaw", "stats", "get", "list"]);
  assert.deepEqual(await zshCompletes(script, ["aer", "-o", ""]), ["table", "json", "yaml"]);
  assert.ok((await zshCompletes(script, ["aer", "logs", "--s"])).includes("--since"));
  assert.deepEqual(await zshCompletes(script, ["aer", "--config", ""]), ["<files>"]);
  const text = await aerRaw(["completion", "zsh"]);
  assert.match(text.stdout, /^#compdef aer\n/);
  assert.match(text.stdout, /'status:show a cell or an executable/);
});

test("completion of a shell aer does not know exits 2", async () => {
  const result = await aerRaw(["completion", "fish"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^aer: command-argument value 'fish' is invalid for argument 'shell'\. Allowed choices are bash, zsh\.\n$/);
});
