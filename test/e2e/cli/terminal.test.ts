// aer in a real terminal (tmux): status, logs -f, top and the progress line, read back with capture-pane.
import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { AER_MAIN, aerOf } from "./run-aer.js";
import { openTerminal } from "./tmux.js";

const aurae = useDaemon();
const aer = aerOf(aurae);
const AER = `${process.execPath} ${AER_MAIN}`;
const env = () => ({ AURAE_CONFIG: aurae.pki.clientConfig });

async function cellWith(t: { after: (fn: () => unknown) => void }, name: string, script: string): Promise<string> {
  const cell = uniqueName("cli-tty");
  assert.equal((await aer("cell", "allocate", cell, "--pids-max", "64")).code, 0);
  t.after(() => aer("cell", "free", cell, "--stop", "--grace", "1s"));
  assert.equal((await aer("exec", "start", cell, name, "--shell", "--", script)).code, 0);
  return cell;
}

test("aer status shows the executable, its cell and its last lines in a terminal", async (t) => {
  const cell = await cellWith(t, "web", "echo ready; exec sleep 300");
  const term = await openTerminal(t, `${AER} status ${cell}/web`, env());
  const screen = await term.waitFor(/EXIT=0/);
  assert.match(screen, new RegExp(`^● ${cell}/web - running$`, "m"));
  assert.match(screen, new RegExp(`^ +Cell: ${cell} \\(pids max 64\\)$`, "m"));
  assert.match(screen, /^\S+Z web: ready$/m);
});

test("aer logs -f shows lines as they are written and ends on Ctrl-C with exit code 130", async (t) => {
  const cell = await cellWith(t, "ticker", "i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done");
  const term = await openTerminal(t, `${AER} logs -f ${cell} ticker`, env());
  await term.waitFor(/^tick 3$/m);
  await term.waitFor(/^tick 8$/m); // still following: later lines arrive on the same screen
  await term.sendKeys("C-c");
  const screen = await term.waitFor(/EXIT=\d+/);
  assert.match(screen, /EXIT=130/);
  assert.doesNotMatch(screen, /aer: /, "an interruption is no failure to report");
});

test("aer top draws a refreshing view on the alternate screen, busiest cell first, and q quits cleanly", async (t) => {
  const busy = await cellWith(t, "spin", "while :; do :; done");
  const idle = await cellWith(t, "nap", "exec sleep 300");
  const term = await openTerminal(t, `echo before-top; ${AER} top --interval 300ms`, env());
  const first = await term.waitFor(new RegExp(`^${busy}\\s+active\\s+-\\s+[1-9]\\d*\\.\\d`, "m"));
  assert.match(first, /^aer top {2}\d\d:\d\d:\d\d {2}\d+ cells, \d+ executables, cpu \S+%\s+\(q quits, busiest first\)$/m);
  assert.doesNotMatch(first, /before-top/, "the view is on the alternate screen");
  const rows = first.split("\n");
  const busyAt = rows.findIndex((l) => l.startsWith(busy));
  assert.ok(busyAt < rows.findIndex((l) => l.startsWith(idle)), "busiest first");
  assert.match(rows[busyAt + 1]!, /^ {2}spin\s+running\s+\d+/);
  const clock = /\d\d:\d\d:\d\d/.exec(first)![0];
  await term.waitFor(new RegExp(`^aer top {2}(?!${clock})\\d\\d:\\d\\d:\\d\\d`, "m")); // refreshed
  await term.sendKeys("q");
  const after = await term.waitFor(/EXIT=\d+/);
  assert.match(after, /EXIT=0/);
  assert.match(after, /before-top/, "the terminal is as it was before top");
  assert.doesNotMatch(after, /CELL \/ EXECUTABLE/);
});

test("exec wait shows a progress line on a terminal while it waits, and clears it before printing the result", async (t) => {
  const cell = await cellWith(t, "slow", "sleep 3");
  const term = await openTerminal(t, `${AER} exec wait ${cell} slow`, env());
  await term.waitFor(new RegExp(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for ${cell}/slow: running, pid \\d+, \\d+(ms|s)`));
  const screen = await term.waitFor(/EXIT=\d+/, 20_000);
  assert.match(screen, /EXIT=0/);
  assert.match(screen, new RegExp(`^${cell}\\s+slow\\s+exited\\s+\\d+\\s+code 0`, "m"));
  assert.doesNotMatch(screen, /waiting for/, "the progress line is cleared");
});

test("exec stop --grace counts down to SIGKILL on a terminal, and clears the line before printing the result", async (t) => {
  const cell = await cellWith(t, "stubborn", "trap '' TERM; while :; do sleep 1; done");
  const term = await openTerminal(t, `${AER} exec stop ${cell} stubborn --grace 4s`, env());
  const first = await term.waitFor(new RegExp(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] stopping ${cell}/stubborn: SIGTERM sent, SIGKILL in [34]s`));
  const seconds = Number(/SIGKILL in (\d)s/.exec(first)![1]);
  await term.waitFor(new RegExp(`stopping ${cell}/stubborn: SIGTERM sent, SIGKILL in [1-${seconds - 1}]s`)); // it counts down
  const screen = await term.waitFor(/EXIT=\d+/, 20_000);
  assert.match(screen, /EXIT=0/);
  assert.match(screen, new RegExp(`^${cell}\\s+stubborn\\s+exited\\s+\\d+\\s+signal SIGKILL`, "m"));
  assert.doesNotMatch(screen, /stopping/, "the countdown is cleared");
});

test("cell free --stop counts the executables stopped so far on a terminal, and clears the line when done", async (t) => {
  const cell = await cellWith(t, "stubborn-a", "trap '' TERM; while :; do sleep 1; done");
  assert.equal((await aer("exec", "start", cell, "stubborn-b", "--shell", "--", "trap '' TERM; while :; do sleep 1; done")).code, 0);
  const term = await openTerminal(t, `${AER} cell free ${cell} --stop --grace 3s`, env());
  await term.waitFor(new RegExp(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] freeing ${cell}: 0/2 executables stopped`));
  const screen = await term.waitFor(/EXIT=\d+/, 20_000);
  assert.match(screen, /EXIT=0/);
  assert.doesNotMatch(screen, /freeing/);
  assert.equal((await aer("cell", "get", cell)).code, 3);
});
