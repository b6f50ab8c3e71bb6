import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { access, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { REPO, useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";

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

const aer = (...args: string[]) => cli("aer", ["--config", aurae.pki.clientConfig, ...args]);

test("aer health prints SERVING", async () => {
  assert.deepEqual(await aer("health"), { code: 0, stdout: "SERVING\n", stderr: "" });
});

test("aer cell, exec and logs drive a workload end to end, with JSON output", async (t) => {
  const cell = uniqueName("cli");
  assert.equal((await aer("cell", "allocate", cell, "--memory-max", "64M", "--pids-max", "20")).code, 0);
  t.after(() => aer("cell", "free", cell));
  const got = JSON.parse((await aer("-o", "json", "cell", "get", cell)).stdout);
  assert.equal(got.spec.name, cell);
  assert.equal(got.spec.memory.maxBytes, String(64 * 1024 * 1024));

  assert.equal((await aer("exec", "start", cell, "hello", "--", "sh", "-c", "echo hello; echo oops >&2")).code, 0);
  const logs = await aer("logs", "-f", cell, "hello");
  assert.equal(logs.stdout, "hello\n");
  assert.equal(logs.stderr, "oops\n");
  const x = JSON.parse((await aer("-o", "json", "exec", "get", cell, "hello")).stdout);
  assert.equal(x.status.state, "EXECUTABLE_STATE_EXITED");
  assert.equal(x.status.exit.code, 0);
  const table = (await aer("exec", "list", "--cell", cell)).stdout;
  assert.match(table, /^CELL\s+NAME\s+STATE\s+PID\s+EXIT\s+RESTARTS\s+COMMAND\n/);
  assert.match(table, new RegExp(`${cell}\\s+hello\\s+exited\\s+\\d+\\s+code 0`));
});

test("aer events prints the event log; aer daemon-log prints auraed's own", async () => {
  const cell = uniqueName("ev");
  assert.equal((await aer("cell", "allocate", cell)).code, 0);
  assert.equal((await aer("cell", "free", cell)).code, 0);
  const events = (await aer("events", "--cell", cell)).stdout.trim().split("\n");
  assert.equal(events.length, 2, events.join("\n"));
  assert.match(events[0]!, new RegExp(`^\\s*\\d+  \\S+  cell\\.allocated\\s+${cell}$`));
  assert.match(events[1]!, /cell\.freed/);
  const json = (await aer("-o", "json", "events", "--kind", "daemon.")).stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(json[0].kind, "daemon.started");
  const daemonLog = (await aer("daemon-log", "--level", "info", "-n", "5")).stdout.trim().split("\n");
  assert.equal(daemonLog.length, 5);
  for (const line of daemonLog) assert.ok(JSON.parse(line).level >= 30);
});

test("aer exits with distinct codes and one plain line on errors", async () => {
  const missing = await aer("cell", "get", "no-such-cell");
  assert.equal(missing.code, 3);
  assert.equal(missing.stderr, 'aer: cell "no-such-cell" not found\n');
  const invalid = await aer("cell", "allocate", "Bad");
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /^aer: spec\.name: /);
  const down = await aer("--socket", join(aurae.dir, "nothing-here.sock"), "health");
  assert.equal(down.code, 5);
  assert.match(down.stderr, /^aer: daemon not running at .*nothing-here\.sock/);
  const usage = await aer("cell", "allocate");
  assert.equal(usage.code, 2);
});

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
