import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseStat, readProcess } from "../../../../src/runtime/proc/read-process.js";

test("parseStat takes comm up to the last parenthesis, so a name with spaces and parentheses does not shift ppid", () => {
  assert.deepEqual(parseStat("42 (sh) S 7 42 42 0 -1 4194560 ..."), { comm: "sh", ppid: 7 });
  assert.deepEqual(parseStat("43 (a) b (c) R 9 43 43 0 -1"), { comm: "a) b (c", ppid: 9 });
});

test("readProcess reads pid, parent, argv and comm, and answers undefined for a process that is gone", async (t) => {
  const proc = await mkdtemp(join(tmpdir(), "proc-"));
  t.after(() => rm(proc, { recursive: true, force: true }));
  await mkdir(join(proc, "42"));
  await writeFile(join(proc, "42", "stat"), "42 (sleep) S 7 42 42 0 -1\n");
  await writeFile(join(proc, "42", "cmdline"), "sleep\x00300\x00");
  await mkdir(join(proc, "43"));
  await writeFile(join(proc, "43", "stat"), "43 (zombie) Z 7 43 43 0 -1\n");
  await writeFile(join(proc, "43", "cmdline"), "");
  assert.deepEqual(await readProcess(42, proc), { pid: 42, ppid: 7, comm: "sleep", argv: ["sleep", "300"] });
  assert.deepEqual(await readProcess(43, proc), { pid: 43, ppid: 7, comm: "zombie", argv: [] });
  assert.equal(await readProcess(44, proc), undefined);
});

test("readProcess reads this very process from the real /proc", async () => {
  const me = await readProcess(process.pid);
  assert.equal(me?.ppid, process.ppid);
  assert.ok(me && me.argv.length >= 1 && me.comm.length > 0);
});
