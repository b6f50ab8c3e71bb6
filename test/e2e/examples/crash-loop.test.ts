import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { runExample } from "./run-example.js";

const aurae = useDaemon();

test("crash-loop shows every exit and restart, with a back-off that doubles from 100 ms up to its 1 s cap", async () => {
  const { lines } = await runExample(aurae, "crash-loop");
  assert.match(lines[0]!, /^started crash-[0-9a-f]{6}\/flaky: restart on failure, at most 4 times/);
  const exits = lines.filter((l) => l.startsWith("exited"));
  assert.deepEqual(exits, Array(5).fill("exited with code 3"));
  const backoffs = lines.filter((l) => l.startsWith("restart ")).map((l) => /^restart (\d) after a back-off of (\d+) ms$/.exec(l)!);
  assert.deepEqual(backoffs.map((m) => m[1]), ["1", "2", "3", "4"]);
  const expected = [100, 200, 400, 800];
  backoffs.forEach((m, i) => assert.ok(Number(m[2]) >= expected[i]! - 20 && Number(m[2]) < 1000 + 500, `${m[0]}: expected about ${expected[i]} ms`));
  assert.ok(lines.includes("final state EXECUTABLE_STATE_EXITED, exit code 3, 4 restarts"), lines.join("\n"));
  assert.deepEqual(lines.filter((l) => l.startsWith("log: ")), Array(5).fill("log: starting, then failing"));
});
