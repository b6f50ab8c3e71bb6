import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { runExample } from "./run-example.js";

const aurae = useDaemon();

test("web-server serves a page from a limited cell, shows the request in the followed log, and stops", async () => {
  const { lines } = await runExample(aurae, "web-server");
  const [serving, got, ...rest] = lines;
  assert.match(serving!, /^serving http:\/\/127\.0\.0\.1:(\d+)\/ from cell web-\d+ \(memory\.max 64 MiB, cpu 50%, pids\.max 32\)$/);
  assert.equal(got, "GET / -> 200: Hello from a cell!");
  assert.equal(rest.at(-1), "stopped httpd");
  const log = rest.slice(0, -1);
  assert.ok(log.every((line) => line.startsWith("log: ")), log.join("\n"));
  assert.match(log.at(-1)!, /^log: 127\.0\.0\.1 - - \[.*\] "GET \/ HTTP\/1\.1" 200 -$/);
});
