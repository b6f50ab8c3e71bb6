// What a power cut leaves of the node database, and what auraed makes of it. A power cut keeps what was fsynced:
// with synchronous = FULL every acknowledged change and its event (the database file and the WAL as they are when
// the call returned); it may lose the un-checkpointed WAL of a database that was replaced or whose disk lied, and
// then the sequences of the event log name other events: a watcher resuming there is refused, never skips events.
import assert from "node:assert/strict";
import { copyFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { FailedPreconditionError } from "../../../src/client/index.js";
import type { Event } from "../../../src/gen/aurae/events/v1/events.js";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { listAllCells } from "../../helpers/node-state.js";

const aurae = useDaemon();
const database = (): string => join(aurae.stateDir, "aurae.db");

/** Puts `files` (name to path) in place of the database's files after a power cut: auraed is gone at once. */
async function powerCut(files: { db: string; wal?: string }): Promise<void> {
  await aurae.kill9();
  for (const suffix of ["", "-wal", "-shm"]) await rm(database() + suffix, { force: true });
  await copyFile(files.db, database());
  if (files.wal) await copyFile(files.wal, `${database()}-wal`);
}

test("a cell acknowledged before the power cut is there after it, with its event; one allocated after is not", async () => {
  const kept = uniqueName("kept");
  const lost = uniqueName("lost");
  await aurae.client.cells.allocate({ spec: { name: kept } });
  // As the disk holds them once Allocate returned: FULL fsynced the WAL before the answer.
  const snapshot = { db: join(aurae.dir, "snapshot.db"), wal: join(aurae.dir, "snapshot.db-wal") };
  await copyFile(database(), snapshot.db);
  await copyFile(`${database()}-wal`, snapshot.wal);
  await aurae.client.cells.allocate({ spec: { name: lost } }); // after the copy: as if the power went first
  await powerCut(snapshot);
  await aurae.start();

  const names = (await listAllCells(aurae.client)).map((c) => c.spec!.name);
  assert.ok(names.includes(kept), `${kept} survived: ${names.join(", ")}`);
  assert.ok(!names.includes(lost), "the cell the snapshot predates is not in the database");
  const { events } = await aurae.client.events.list({ pageSize: 1000, kinds: ["cell.allocated"] });
  assert.deepEqual(events.map((e) => e.cellName), [kept]);
  await aurae.client.cells.free({ name: kept });
});

test("a watcher resuming across a database that lost its un-checkpointed WAL is refused, not silently skipped", async (t) => {
  const before = await aurae.client.events.list({ pageSize: 1 });
  const cells = [uniqueName("a"), uniqueName("b"), uniqueName("c")];
  for (const name of cells) await aurae.client.cells.allocate({ spec: { name } });
  for (const name of cells) await aurae.client.cells.free({ name }); // no cgroups left for the new database to find
  // The client's resuming watch: it reads everything so far, then follows across the restart.
  const seen: Event[] = [];
  const abort = new AbortController();
  t.after(() => abort.abort());
  const watching = (async () => {
    for await (const { events } of aurae.client.events.watch({ follow: true }, { signal: abort.signal, resume: { giveUpAfterMs: 60_000 } }))
      seen.push(...events);
  })().then(() => undefined, (err: unknown) => err);
  for (let i = 0; i < 200 && seen.filter((e) => e.kind === "cell.freed").length < cells.length; i++) await new Promise((r) => setTimeout(r, 50));
  const read = seen.length;
  assert.ok(read >= 2 * cells.length, `the watch read the allocations and frees (${read} events)`);

  // The main file alone, as a power cut leaves a database whose WAL never reached the disk (nothing was
  // checkpointed: it holds no table, and auraed takes it for a new one).
  const mainOnly = join(aurae.dir, "main-only.db");
  await copyFile(database(), mainOnly);
  await powerCut({ db: mainOnly });
  await aurae.start();
  // The new log numbers its own events from 1: as many as the watcher had read, so an unchecked resume would
  // wait after them, and see only what follows.
  for (let i = 0; i <= read; i++) {
    const name = uniqueName("new");
    await aurae.client.cells.allocate({ spec: { name } });
    await aurae.client.cells.free({ name });
  }

  const ended = await Promise.race([watching, new Promise((r) => setTimeout(() => r("still watching"), 20_000))]);
  assert.ok(ended instanceof FailedPreconditionError, `refused: ${String(ended)}; after the restart it read ${seen.slice(read).map((e) => `${e.sequence} ${e.kind}`).join(", ")}`);
  assert.match(ended.message, /the log was replaced/);
  const after = await aurae.client.events.list({ pageSize: 1 });
  assert.notEqual(after.epoch, before.epoch, "a new epoch");
  assert.equal(seen.length, read, "nothing of the new log was passed off as the old one's");
});
