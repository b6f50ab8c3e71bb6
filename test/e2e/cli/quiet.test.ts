// -q on the record logs: `aer events -q` and `aer audit -q` print each record's sequence alone, one a line: what a
// script passes to --after to resume.
import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { aerOf } from "./run-aer.js";

const aurae = useDaemon();
const aer = aerOf(aurae);

for (const log of ["events", "audit"]) {
  test(`${log} -q prints each record's sequence alone, one a line, as --after takes it`, async () => {
    const cell = uniqueName("cli-quiet");
    assert.equal((await aer("cell", "allocate", cell)).code, 0);
    assert.equal((await aer("cell", "free", cell)).code, 0);
    const json = (await aer("-o", "json", log, "--cell", cell)).stdout.trim().split("\n").map((l) => JSON.parse(l) as { sequence: string });
    assert.equal(json.length, 2, "allocated and freed");
    assert.deepEqual(await aer("-q", log, "--cell", cell), { code: 0, stdout: json.map((r) => `${r.sequence}\n`).join(""), stderr: "" });
  });
}
