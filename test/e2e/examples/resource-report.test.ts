import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { runExample } from "./run-example.js";

const aurae = useDaemon();

test("resource-report prints a row per cell with cpu, memory and pids against the limits", async () => {
  const { lines } = await runExample(aurae, "resource-report");
  assert.match(lines[0]!, /^CELL\s+CPU\s+MEMORY\s+MEMORY MAX\s+PIDS\s+PIDS MAX$/);
  assert.equal(lines.length, 3, lines.join("\n"));
  const row = (line: string) => /^(report-\d+-(?:busy|idle))\s+(\d+) ms\s+([\d.]+) (KiB|MiB)\s+64\.0 MiB\s+(\d+)\s+16$/.exec(line);
  const [busy, idle] = lines.slice(1).map((line) => {
    const m = row(line);
    assert.ok(m, `not a report row: ${line}`);
    return { cpuMs: Number(m[2]), memoryMiB: Number(m[3]) / (m[4] === "KiB" ? 1024 : 1), pids: Number(m[5]) };
  });
  assert.ok(busy!.cpuMs > idle!.cpuMs, `the busy cell used more cpu: ${lines.join("\n")}`);
  assert.ok(idle!.memoryMiB >= 7, `the idle cell holds 8 MB: ${lines.join("\n")}`);
  assert.ok(busy!.pids >= 1 && idle!.pids >= 1);
});
