import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { REPO, useDaemon } from "../../helpers/daemon.js";

const aurae = useDaemon();
const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(bin: "aer" | "aurae", args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const main = join(REPO, "dist", bin === "aer" ? "cli" : "script", "main.js");
  try {
    const { stdout, stderr } = await run(process.execPath, [main, ...args], { env: { ...process.env, ...env }, cwd: REPO });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test("aurae run examples/hello.ts allocates a cell, runs echo and prints its log", async () => {
  const result = await cli("aurae", ["run", "examples/hello.ts"], { AURAE_CONFIG: aurae.pki.clientConfig });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "Hello from Aurae!\necho exited with code 0\n");
});

test("aurae run reports a failing script with a source-mapped stack and exit code 1", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "aurae-script-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "fail.ts"), 'const answer: number = 42;\n\nthrow new Error(`failed with ${answer}`);\n');
  const result = await cli("aurae", ["run", join(dir, "fail.ts")]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /failed with 42/);
  assert.match(result.stderr, /fail\.ts:3/);
});
