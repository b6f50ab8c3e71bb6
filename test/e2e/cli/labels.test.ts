// aer and labels: --label on cell allocate and exec start, -l/--selector and --show-labels on cell list and exec
// list, -l on events, and cell list <cell> for a subtree.
import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { aerOf } from "./run-aer.js";

const aurae = useDaemon();
const aer = aerOf(aurae);

/** The first column of each row of a table, heading left out. */
const names = (table: string): string[] => table.trim().split("\n").slice(1).map((line) => line.split(/\s+/)[0]!);

test("cell list <cell> lists that cell and the cells below it, not a sibling that shares its prefix", async (t) => {
  const top = uniqueName("tree");
  for (const name of [top, `${top}/a`, `${top}/a/x`, `${top}/b`, `${top}x`]) assert.equal((await aer("cell", "allocate", name)).code, 0);
  t.after(() => Promise.all([aer("cell", "free", top, "--stop"), aer("cell", "free", `${top}x`)]));
  assert.deepEqual(names((await aer("cell", "list", top)).stdout), [top, `${top}/a`, `${top}/a/x`, `${top}/b`]);
  assert.deepEqual(names((await aer("cell", "list", `${top}/a`)).stdout), [`${top}/a`, `${top}/a/x`]);
  assert.deepEqual((await aer("-q", "cell", "list", `${top}/b`)).stdout, `${top}/b\n`);
  assert.equal((await aer("cell", "list", "Not a cell")).code, 7);
});

test("cell allocate --label sets labels; cell list -l selects by them, --show-labels shows them, -o json has them", async (t) => {
  const top = uniqueName("cli-labels");
  const allocated = await aer("cell", "allocate", top, "--label", "app=web", "--label", "tier=front");
  assert.equal(allocated.code, 0, allocated.stderr);
  t.after(() => aer("cell", "free", top, "--stop"));
  assert.equal((await aer("cell", "allocate", `${top}/db`, "--label", "app=web", "--label", "tier=db")).code, 0);
  assert.equal((await aer("cell", "allocate", `${top}/bare`)).code, 0);

  assert.deepEqual(names((await aer("cell", "list", top, "-l", "app=web,tier!=db")).stdout), [top]);
  assert.deepEqual(names((await aer("cell", "list", top, "--selector", "!app")).stdout), [`${top}/bare`]);
  const shown = (await aer("cell", "list", top, "--show-labels")).stdout;
  assert.match(shown, /^NAME\s.*\sLABELS\n/);
  assert.match(shown, new RegExp(`^${top}\\s.*\\sapp=web,tier=front$`, "m"));
  assert.match(shown, new RegExp(`^${top}/bare\\s.*\\s<none>$`, "m"));
  assert.doesNotMatch((await aer("cell", "list", top)).stdout, /LABELS/);
  const json = JSON.parse((await aer("-o", "json", "cell", "list", top, "-l", "tier=db")).stdout);
  assert.deepEqual(json.map((c: { spec: { name: string; labels: object } }) => [c.spec.name, c.spec.labels]), [[`${top}/db`, { app: "web", tier: "db" }]]);
  assert.match((await aer("-o", "yaml", "cell", "get", top)).stdout, /labels:\n\s+app: web\n\s+tier: front\n/);

  const bad = await aer("cell", "list", "-l", "app in (web");
  assert.equal(bad.code, 7, bad.stderr);
  assert.match(bad.stderr, /label_selector: /);
  const badLabel = await aer("cell", "allocate", uniqueName("bad"), "--label", "app=-web");
  assert.equal(badLabel.code, 7, badLabel.stderr);
  assert.match(badLabel.stderr, /spec\.labels\["app"\]/);
  assert.equal((await aer("cell", "allocate", uniqueName("bad"), "--label", "novalue")).code, 2);
});

test("exec start --label sets labels; exec list -l and events -l select by them", async (t) => {
  const cell = uniqueName("cli-xlabels");
  assert.equal((await aer("cell", "allocate", cell)).code, 0);
  t.after(() => aer("cell", "free", cell, "--stop"));
  for (const [name, role] of [["one", "web"], ["two", "worker"], ["three", "web"]])
    assert.equal((await aer("exec", "start", "--label", `role=${role}`, cell, name, "--", "sleep", "600")).code, 0);

  assert.deepEqual(names((await aer("exec", "list", "--cell", cell, "-l", "role=web")).stdout), [cell, cell]);
  assert.equal((await aer("-q", "exec", "list", "--cell", cell, "-l", "role=web")).stdout, `${cell}/one\n${cell}/three\n`);
  assert.match((await aer("exec", "list", "--cell", cell, "-l", "role notin (web)", "--show-labels")).stdout, new RegExp(`^${cell}\\s+two\\s.*\\srole=worker$`, "m"));
  const events = (await aer("-o", "json", "events", "--cell", cell, "-l", "role=worker")).stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(events.map((e: { kind: string; executableName: string; labels: object }) => [e.kind, e.executableName, e.labels]), [
    ["executable.started", "two", { role: "worker" }],
  ]);
  const bad = await aer("events", "-l", "role=");
  assert.equal(bad.code, 0, "an empty value is a value");
  assert.equal((await aer("events", "-l", "role=,")).code, 7);
});
