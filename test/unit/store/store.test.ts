// Whether the node database is new decides whether auraed may remove cgroups it finds unclaimed (a new one knows of
// nothing that runs, so it removes nothing): new is "no schema before this open", not "no file".
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { Store } from "../../../src/store/store.js";
import { tempDir } from "../helpers/temp-dir.js";

test("a database created by this open is new; opened again it is not", async (t) => {
  const path = join(await tempDir(t), "aurae.db");
  const first = Store.open(path);
  assert.equal(first.isNew, true);
  first.close();
  const again = Store.open(path);
  t.after(() => again.close());
  assert.equal(again.isNew, false);
});

test("a database file that holds only its header (its tables were in a WAL that never reached the disk) is new", async (t) => {
  const path = join(await tempDir(t), "aurae.db");
  const header = new Database(path);
  header.pragma("journal_mode = WAL"); // writes the header page, as auraed's first open did before its migrations
  header.close();
  assert.ok((await stat(path)).size > 0);
  const store = Store.open(path);
  t.after(() => store.close());
  assert.equal(store.isNew, true);
});
