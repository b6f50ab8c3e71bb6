// `aurae run` as a user meets it: a child process running a script from a temp dir.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tempDir } from "../helpers/temp-dir.js";

const MAIN = fileURLToPath(new URL("../../../src/script/main.ts", import.meta.url));
/** The source runs through tsx; by URL, as the script's directory cannot resolve it. */
const AURAE = ["--import", import.meta.resolve("tsx"), MAIN];

/** Writes the files into a temp dir and runs `aurae run <first file> ...args` there. */
async function run(t: TestContext, files: Record<string, string>, args: string[] = []) {
  const dir = await tempDir(t, "aurae-script-");
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const script = join(dir, Object.keys(files)[0]!);
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [...AURAE, "run", script, ...args], { cwd: dir });
    return { code: 0, stdout, stderr, dir };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, dir };
  }
}

test("runs TypeScript with top-level await and relative imports; process.argv holds the script and its args", async (t) => {
  const result = await run(t, {
    "main.ts": 'import { twice } from "./lib";\nawait new Promise((r) => setTimeout(r, 10));\nconsole.log(JSON.stringify(process.argv.slice(1).map((a) => a.split("/").pop())), twice(21));\n',
    "lib.ts": "export const twice = (n: number): number => n * 2;\n",
  }, ["--flag", "value"]);
  assert.deepEqual(result, { ...result, code: 0, stdout: '["main.ts","--flag","value"] 42\n', stderr: "" });
});

test("exits with the code the script sets or passes to process.exit", async (t) => {
  assert.equal((await run(t, { "set.ts": "process.exitCode = 3;\n" })).code, 3);
  assert.equal((await run(t, { "exit.ts": 'await Promise.resolve();\nprocess.exit(4);\nconsole.log("not reached");\n' })).code, 4);
});

test("an error thrown at line N reports file:N of the TypeScript source, at the top level or later, and exits 1", async (t) => {
  const top = await run(t, { "top.ts": 'import { fail } from "./lib.js";\n\nfail("top");\n', "lib.ts": "export function fail(why: string): never {\n  throw new Error(why);\n}\n" });
  assert.equal(top.code, 1);
  assert.match(top.stderr, /^Error: top\n\s+at fail \(.*\/lib\.ts:2:9\)\n\s+at .*\/top\.ts:3:1/);
  assert.ok(top.stderr.includes(join(top.dir, "lib.ts")), `the real path of the script: ${top.stderr}`);
  const later = await run(t, { "later.ts": "const x: number = 1;\nsetTimeout(() => {\n  throw new RangeError(`later ${x}`);\n}, 5);\n" });
  assert.equal(later.code, 1);
  assert.match(later.stderr, /RangeError: later 1\n\s+at .*\/later\.ts:3:9/);
});

test("a script that does not build is reported with file:line and exits 1", async (t) => {
  const result = await run(t, { "broken.ts": 'import { nothing } from "./missing";\nconsole.log(nothing);\n' });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^aurae: broken\.ts:1: Could not resolve "\.\/missing"\n$/);
});

test("leaves no bundle behind, however the script ends", async (t) => {
  const before = (await readdir(tmpdir())).filter((f) => f.startsWith("aurae-run-"));
  await run(t, { "exit.ts": "process.exit(5);\n" });
  await run(t, { "throw.ts": 'throw new Error("x");\n' });
  await run(t, { "broken.ts": "import './missing';\n" });
  const after = (await readdir(tmpdir())).filter((f) => f.startsWith("aurae-run-"));
  assert.deepEqual(after, before);
});

test("without a script prints the usage and exits 2", async () => {
  const result = await promisify(execFile)(process.execPath, [...AURAE, "run"]).catch((e: { code: number; stderr: string }) => e);
  assert.equal((result as { code: number }).code, 2);
  assert.match((result as { stderr: string }).stderr, /^usage: aurae run <script\.ts> \[args\.\.\.\]/);
});
