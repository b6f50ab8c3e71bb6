// aer logs and aer daemon-log: plain lines, JSON lines with a resume cursor, YAML documents, relative times, and
// exit codes on failure.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LogStream } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { aerOf } from "./run-aer.js";

const aurae = useDaemon();
const aer = aerOf(aurae);

async function ranToExit(t: { after: (fn: () => unknown) => void }, script: string): Promise<string> {
  const cell = uniqueName("cli-logs");
  assert.equal((await aer("cell", "allocate", cell)).code, 0);
  t.after(() => aer("cell", "free", cell, "--stop"));
  assert.equal((await aer("exec", "start", cell, "writer", "--shell", "--", script)).code, 0);
  assert.equal((await aer("exec", "wait", cell, "writer")).code, 0);
  return cell;
}

test("logs prints stdout to stdout and stderr to stderr, a whole cell prefixed by executable", async (t) => {
  const cell = await ranToExit(t, "echo hello; echo oops >&2; echo bye");
  assert.deepEqual(await aer("logs", cell, "writer"), { code: 0, stdout: "hello\nbye\n", stderr: "oops\n" });
  assert.deepEqual(await aer("logs", cell), { code: 0, stdout: "writer: hello\nwriter: bye\n", stderr: "writer: oops\n" });
  assert.equal((await aer("logs", cell, "writer", "--stream", "stderr")).stderr, "oops\n");
  assert.equal((await aer("logs", cell, "writer", "--stream", "stdout", "-n", "1")).stdout, "bye\n");
});

test("logs -o json prints one LogEntry a line with its text and a cursor that resumes after it; -o yaml one document each", async (t) => {
  const cell = await ranToExit(t, "echo one; echo two");
  const lines = (await aer("-o", "json", "logs", cell, "writer")).stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  const [first] = lines;
  for (const key of ["cursor", "executableName", "line", "nextOffset", "partial", "stream", "text", "timeUnixNano"]) assert.ok(key in first, key); // fields may be added
  assert.equal(first.text, "one");
  assert.equal(first.line, Buffer.from("one").toString("base64"));
  assert.equal(first.stream, "LOG_STREAM_STDOUT");
  assert.equal(first.executableName, "writer");
  assert.equal(typeof first.timeUnixNano, "string");
  const after = await aer("logs", cell, "writer", "--cursor", lines[1].cursor);
  assert.equal(after.stdout, "");
  const yaml = (await aer("-o", "yaml", "logs", cell, "writer")).stdout;
  assert.equal(yaml.match(/^---$/gm)?.length, 2);
  assert.match(yaml, /^text: one$/m);
});

test("every logs -o json line has its own cursor, and --cursor of a middle line continues exactly after that line", async (t) => {
  const cell = await ranToExit(t, "seq 1 5; seq 6 10 >&2");
  for (const name of [["writer"], []]) {
    const lines = (await aer("-o", "json", "logs", cell, ...name)).stdout.trim().split("\n").map((l) => JSON.parse(l) as { text: string; cursor: string });
    assert.equal(new Set(lines.map((l) => l.cursor)).size, 10, "ten lines, ten cursors");
    const middle = lines.findIndex((l) => l.text === "3");
    const after = await aer("-o", "json", "logs", cell, ...name, "--cursor", lines[middle]!.cursor);
    const rest = after.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { text: string }).text);
    assert.deepEqual(rest, lines.slice(middle + 1).map((l) => l.text), `after line 3 of ${name[0] ?? "the cell"}`);
  }
});

test("logs names the missing cell as the missing thing, for a whole cell and for one executable", async () => {
  const cell = uniqueName("no-such-cell");
  for (const args of [[cell], [cell, "x"]]) {
    const result = await aer("logs", ...args);
    assert.equal(result.code, 3);
    assert.match(result.stderr, new RegExp(`cell "${cell}" not found`));
  }
});

test("logs --since and --until take ages and times: 10m, -1h, RFC 3339", async (t) => {
  const cell = await ranToExit(t, "echo recent");
  assert.equal((await aer("logs", cell, "writer", "--since", "10m")).stdout, "recent\n");
  assert.equal((await aer("logs", cell, "writer", "--since", "-1h")).stdout, "recent\n");
  assert.equal((await aer("logs", cell, "writer", "--until", "1h")).stdout, "", "nothing was written an hour ago");
  assert.equal((await aer("logs", cell, "writer", "--since", new Date(Date.now() + 60_000).toISOString())).stdout, "");
});

test("logs exits 3 for a missing cell or executable and 2 for a time that does not parse", async (t) => {
  const cell = await ranToExit(t, "true");
  assert.equal((await aer("logs", "no-such-cell")).code, 3);
  assert.equal((await aer("logs", cell, "nothing")).code, 3);
  const bad = await aer("logs", cell, "--since", "yesterday-ish");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /neither a time such as .* nor an age such as 10m/);
});

test("daemon-log prints auraed's log as time, level and message; -o json as entries with text and cursor", async () => {
  const table = (await aer("daemon-log", "--level", "info", "-n", "5")).stdout.trim().split("\n");
  assert.equal(table.length, 5);
  for (const line of table) assert.match(line, /^\d{4}-\d\d-\d\dT\S+Z {2}(INFO|WARN|ERROR|FATAL)\s+\S/);
  const json = (await aer("-o", "json", "daemon-log", "--since", "1h", "-n", "3")).stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(json.length, 3);
  for (const entry of json) {
    assert.equal(typeof entry.cursor, "string");
    assert.ok(JSON.parse(entry.text).level >= 10);
  }
  assert.equal((await aer("daemon-log", "--level", "loud")).code, 7);
});

test("logs of one executable (read packed) prints exactly what entries hold: long lines split in P records, --prefix", async (t) => {
  const cell = await ranToExit(t, "echo one; echo err >&2; head -c 70000 /dev/zero | tr '\\0' y; echo; printf tail");
  const expected = { stdout: "", stderr: "" };
  for await (const { entries } of aurae.client.observe.getLogs({ cellName: cell, executableName: "writer" }))
    for (const e of entries) expected[e.stream === LogStream.LOG_STREAM_STDERR ? "stderr" : "stdout"] += `writer: ${e.line.toString()}${e.partial ? "" : "\n"}`;
  assert.ok(expected.stdout.endsWith("writer: tail\n") && expected.stdout.length > 70_000);
  assert.deepEqual(await aer("logs", cell, "writer", "--prefix"), { code: 0, ...expected });
  const plain = (text: string): string => text.replaceAll("writer: ", "");
  assert.deepEqual(await aer("logs", cell, "writer"), { code: 0, stdout: plain(expected.stdout), stderr: plain(expected.stderr) });
});
