// Runs an example the way its header says (`aurae run examples/<name>.ts`) against a test daemon, and checks it
// freed everything it made.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO, type TestDaemon } from "../../helpers/daemon.js";

export interface ExampleRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout's lines, without the last newline. */
  readonly lines: string[];
}

export async function runExample(aurae: TestDaemon, name: string, args: readonly string[] = []): Promise<ExampleRun> {
  const argv = [join(REPO, "dist/script/main.js"), "run", join("examples", `${name}.ts`), ...args];
  const env = { ...process.env, AURAE_CONFIG: aurae.pki.clientConfig };
  const result = await promisify(execFile)(process.execPath, argv, { cwd: REPO, env, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
  assert.equal(result.code, 0, `examples/${name}.ts failed:\n${result.stderr}\n${result.stdout}`);
  assert.equal(result.stderr, "");
  await assertNothingLeft(aurae, name);
  return { ...result, lines: result.stdout.replace(/\n$/, "").split("\n") };
}

async function assertNothingLeft(aurae: TestDaemon, name: string): Promise<void> {
  const { cells } = await aurae.client.cells.list({});
  assert.deepEqual(cells.map((c) => c.spec?.name), [], `examples/${name}.ts left cells behind`);
  const { executables } = await aurae.client.executables.list({});
  assert.deepEqual(executables.map((x) => `${x.spec?.cellName}/${x.spec?.name}`), [], `examples/${name}.ts left executables behind`);
}
