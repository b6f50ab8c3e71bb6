import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { runExample } from "./run-example.js";

const aurae = useDaemon();

test("event-watcher prints the events of its cell as they happen, in order, and stops once the cell is freed", async () => {
  const { lines } = await runExample(aurae, "event-watcher");
  const events = lines.map((l) => l.split(/\s{2,}/).slice(1, 3).join(" "));
  const cell = /^cell\.allocated (watched-[0-9a-f]{6})$/.exec(events[0]!)?.[1];
  assert.ok(cell, lines.join("\n"));
  assert.deepEqual(events, [
    `cell.allocated ${cell}`,
    `executable.started ${cell}/greet`,
    `executable.exited ${cell}/greet`,
    `cell.freed ${cell}`,
  ]);
  for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z  /);
  assert.match(lines[2]!, /code=0/);
});
