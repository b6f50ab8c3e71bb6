// The script in docs/getting-started.md type-checks and runs as the guide says.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { REPO, useDaemon } from "../../helpers/daemon.js";

const aurae = useDaemon();
const auraeCli = (args: string[], cwd: string) =>
  promisify(execFile)(process.execPath, [join(REPO, "dist/script/main.js"), ...args], { cwd, env: { ...process.env, AURAE_CONFIG: aurae.pki.clientConfig } });

test("the guide's first.ts passes aurae check and runs, printing its log and exit code", async () => {
  const guide = await readFile(join(REPO, "docs/getting-started.md"), "utf8");
  const script = /```ts\n([\s\S]*?)```/.exec(guide)?.[1];
  assert.ok(script, "a ```ts block in the guide");
  await writeFile(join(aurae.dir, "first.ts"), script);
  assert.deepEqual(await auraeCli(["check", "first.ts"], aurae.dir), { stdout: "", stderr: "" });
  const { stdout, stderr } = await auraeCli(["run", "first.ts", "my-cell"], aurae.dir);
  assert.equal(stderr, "");
  assert.equal(stdout, "hello from my-cell\nexit code 0\n");
  assert.deepEqual((await aurae.client.cells.list({})).cells, [], "it freed its cell");
});
