// The `aurae` command's own arguments: help, usage errors, and where the script's arguments begin.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const MAIN = fileURLToPath(new URL("../../../src/script/main.ts", import.meta.url));

async function aurae(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", import.meta.resolve("tsx"), MAIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test("aurae run --help and aurae check -h print the usage and exit 0, running no script named --help", async () => {
  for (const args of [["run", "--help"], ["check", "-h"], ["--help"]]) {
    const result = await aurae(...args);
    assert.equal(result.code, 0, args.join(" "));
    assert.match(result.stdout, /^usage: aurae run <script\.ts> \[args\.\.\.\]/, args.join(" "));
    assert.equal(result.stderr, "", args.join(" "));
  }
});

test("aurae run with no script prints the usage on stderr and exits 2", async () => {
  const result = await aurae("run");
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^usage: aurae run/);
});
