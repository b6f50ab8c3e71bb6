// aer writing into a pipe whose reader went away (`aer events -f | head -1`): it ends at its next write, quietly (no
// stack trace, nothing on stderr) with 141, the code a shell gives a command SIGPIPE ended, as journalctl | head does.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { AER_MAIN, aerOf, eventually } from "./run-aer.js";

const aurae = useDaemon();
const aer = aerOf(aurae);

const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * Runs `aer <args> | head -1` through sh and waits for head's line. Answers aer's exit code and stderr once aer
 * has ended; `poke` runs meanwhile (something for aer to write after head is gone).
 */
async function throughHead(t: TestContext, args: readonly string[], poke: () => Promise<unknown>): Promise<{ code: number; stderr: string }> {
  const dir = await mkdtemp(join(aurae.dir, "pipe-"));
  const aerLine = [process.execPath, AER_MAIN, "--config", aurae.pki.clientConfig, ...args].map(quote).join(" ");
  // aer runs in the background of the pipeline's left side so its pid is known: the test ends it if it outlives
  // a failure. `wait` still answers its exit status.
  const script = `{ ${aerLine} 2>${dir}/stderr & echo $! >${dir}/pid; wait $!; echo $? >${dir}/code; } | head -1`;
  const sh = spawn("sh", ["-c", script], { stdio: ["ignore", "pipe", "inherit"] });
  let head = "";
  sh.stdout.on("data", (chunk: Buffer) => (head += chunk.toString()));
  t.after(async () => {
    const pid = Number(await readFile(join(dir, "pid"), "utf8").catch(() => "0"));
    try {
      if (pid > 0) process.kill(pid, "SIGKILL");
    } catch {
      // It ended, as it should.
    }
  });
  await eventually("head's one line", () => head.endsWith("\n"));
  const code = join(dir, "code");
  await eventually("aer to end once head is gone", async () => {
    if (await readFile(code).then(() => true, () => false)) return true;
    await poke();
    return false;
  }, 20_000);
  return { code: Number((await readFile(code, "utf8")).trim()), stderr: await readFile(join(dir, "stderr"), "utf8") };
}

/** A mutating call: an event, an audit entry and a "call" line in the daemon log. */
const churn = (cell: string) => async () => {
  await aer("cell", "allocate", cell);
  await aer("cell", "free", cell);
};

for (const command of [["events", "-f"], ["audit", "-f"], ["daemon-log", "-f"], ["-o", "json", "events", "-f"]]) {
  test(`aer ${command.join(" ")} | head -1 ends quietly with 141 once head is gone`, async (t) => {
    const cell = uniqueName("cli-pipe");
    await churn(cell)(); // history for head's first line
    assert.deepEqual(await throughHead(t, command, churn(cell)), { code: 141, stderr: "" });
  });
}

test("aer logs -f | head -1 ends quietly with 141 once head is gone", async (t) => {
  const cell = uniqueName("cli-pipe");
  assert.equal((await aer("cell", "allocate", cell)).code, 0);
  t.after(() => aer("cell", "free", cell, "--stop", "--grace", "1s"));
  assert.equal((await aer("exec", "start", cell, "ticker", "--shell", "--", "while :; do echo tick; sleep 0.1; done")).code, 0);
  const idle = async () => new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(await throughHead(t, ["logs", "-f", cell, "ticker"], idle), { code: 141, stderr: "" });
});
