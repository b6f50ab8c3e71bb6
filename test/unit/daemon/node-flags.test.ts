// auraed's V8 flags (src/daemon/main.ts, its first line) reach it however it is started: run as a program (the
// shebang) or by the systemd unit, which runs node itself.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";

const read = (path: string) => readFile(new URL(`../../../${path}`, import.meta.url), "utf8");

test("the systemd unit runs node with the flags of main.ts's shebang", async () => {
  const shebang = /^#!\/usr\/bin\/env -S node (.+)$/.exec((await read("src/daemon/main.ts")).split("\n", 1)[0]!);
  assert.ok(shebang, "main.ts starts with #!/usr/bin/env -S node FLAGS");
  assert.match(shebang[1]!, /--max-semi-space-size=\d+/);
  const execStart = /^ExecStart=\/usr\/bin\/node (.*) \/opt\/aurae\/dist\/daemon\/main\.js$/m.exec(await read("packaging/auraed.service"));
  assert.equal(execStart?.[1], shebang[1]);
});
