import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { test } from "node:test";
import { checkScripts } from "../../../src/script/check-script.js";
import { tempDir } from "../helpers/temp-dir.js";

test("a script that uses the client as typed, with top-level await and relative imports, has no problems", async (t) => {
  const dir = await tempDir(t, "aurae-check-");
  await writeFile(join(dir, "lib.ts"), "export const cellName = (n: number): string => `cell-${n}`;\n");
  await writeFile(
    join(dir, "ok.ts"),
    [
      'import { connect, mib, NotFoundError } from "aurae";',
      'import { cellName } from "./lib";',
      "const client = await connect();",
      "await client.cells.allocate({ spec: { name: cellName(1), memory: { maxBytes: mib(64) } } });",
      'for await (const { entries } of client.observe.getLogs({ cellName: "a", follow: true }, { deadline: 1000 })) console.log(entries.length);',
      'try { await client.cells.get({ name: "x" }); } catch (err) { if (err instanceof NotFoundError) console.log(err.grpcCode); }',
      "client.close();",
    ].join("\n"),
  );
  assert.deepEqual(await checkScripts([join(dir, "ok.ts")]), []);
});

test("reports each type error with file:line:column, in the script and in what it imports", async (t) => {
  const dir = await tempDir(t, "aurae-check-");
  await writeFile(join(dir, "lib.ts"), "export const n: number = 'one';\n");
  await writeFile(join(dir, "bad.ts"), 'import { connect } from "aurae";\nimport { n } from "./lib.js";\nconst client = await connect();\nawait client.cells.allocate({ spec: { name: n } });\nclient.cells.nothing();\n');
  const problems = await checkScripts([join(dir, "bad.ts")]);
  const at = (file: string, position: string) => `${relative(process.cwd(), join(dir, file))}:${position}`;
  assert.deepEqual(
    problems.map((p) => `${p.location} ${p.message.split(":")[0]}`),
    [`${at("bad.ts", "4:39")} error TS2322`, `${at("bad.ts", "5:14")} error TS2339`, `${at("lib.ts", "1:14")} error TS2322`].sort(),
  );
  assert.match(problems.find((p) => p.location.endsWith("5:14"))!.message, /Property 'nothing' does not exist on type 'ClientOf<"cells">'/);
});
