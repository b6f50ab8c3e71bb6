// The tested upgrade from every earlier schema: a database left at each version by an older auraed (the committed
// golden files of test/fixtures/databases, built by scripts/golden-databases.ts from the migrations as git had them
// then) opens, is moved to the latest schema, keeps its rows, and ends with exactly the schema and columns of a
// fresh database. And the files' modes.
import assert from "node:assert/strict";
import { chmod, copyFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import Database from "better-sqlite3";
import { openDatabase } from "../../../src/store/database.js";
import { EventsStore } from "../../../src/store/events-store.js";
import { MIGRATIONS } from "../../../src/store/migrations.js";
import { tempDir } from "../helpers/temp-dir.js";

const LATEST = MIGRATIONS.length;
const GOLDEN = fileURLToPath(new URL("../../fixtures/databases", import.meta.url));

/** A database file left at schema `version`: an empty file for 0, else a copy of the golden one. */
async function databaseAt(path: string, version: number): Promise<void> {
  if (version === 0) {
    new Database(path).close();
    return;
  }
  await copyFile(join(GOLDEN, `schema-${version}.db`), path);
  if (version < AUDIT_SCHEMA) return;
  // An audit entry with the columns of the first audit schema, which later ones must keep (and complete).
  const db = new Database(path);
  try {
    db.prepare("INSERT INTO audit (time_ms, identity, method, cell, code, details, peer) VALUES (5000, 'spiffe://x/admin', '/a.B/C', 'web', 'OK', '', 'unix')").run();
  } finally {
    db.close();
  }
}

/** The first schema with the audit table. */
const AUDIT_SCHEMA = 6;

/** Every table, index and trigger with its SQL, and every table's columns as SQLite reports them. */
function schemaOf(db: Database.Database) {
  const objects = db
    .prepare<[], { type: string; name: string; tbl_name: string; sql: string | null }>(
      "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )
    .all();
  const columns = Object.fromEntries(objects.filter((o) => o.type === "table").map((o) => [o.name, db.pragma(`table_info(${JSON.stringify(o.name)})`)]));
  return { objects, columns };
}

test("a golden database is committed for every schema version, built once by scripts/golden-databases.ts", async () => {
  const files = (await readdir(GOLDEN)).filter((f) => f.endsWith(".db")).sort((x, y) => parseInt(x.slice(7)) - parseInt(y.slice(7)));
  assert.deepEqual(files, Array.from({ length: LATEST }, (_, i) => `schema-${i + 1}.db`), "run scripts/golden-databases.ts after appending a migration");
  for (const [i, file] of files.entries()) {
    const db = new Database(join(GOLDEN, file), { readonly: true });
    try {
      assert.equal(db.pragma("user_version", { simple: true }), i + 1, file);
    } finally {
      db.close();
    }
  }
});

for (let version = 0; version < LATEST; version++) {
  test(`upgrades a database at schema ${version} to schema ${LATEST}, keeping its rows, to a fresh database's schema`, async (t) => {
    const path = join(await tempDir(t), "aurae.db");
    await databaseAt(path, version);
    const db = openDatabase(path);
    t.after(() => db.close());
    assert.equal(db.pragma("user_version", { simple: true }), LATEST);
    if (version >= 1) {
      assert.deepEqual(db.prepare("SELECT name, spec, created_at_ms, init_pid FROM cells").all(), [
        { name: "web", spec: '{"name":"web"}', created_at_ms: 1000, init_pid: null },
      ]);
      assert.deepEqual(db.prepare("SELECT cell, name, pid, exit_status, restart_count, next_restart_at_ms FROM executables").all(), [
        { cell: "web", name: "server", pid: 42, exit_status: '{"code":0}', restart_count: 0, next_restart_at_ms: null },
      ]);
    }
    if (version >= AUDIT_SCHEMA) {
      // Entries recorded before pending ones existed are completed ones.
      assert.deepEqual(db.prepare("SELECT sequence, code, pending, replaces FROM audit").all(), [{ sequence: 1, code: "OK", pending: 0, replaces: null }]);
    }
    const events = new EventsStore(db);
    assert.equal(events.insert({ timeMs: 4000, kind: "daemon.started", cell: null, executable: null, attributes: "{}", labels: "{}" }), 1);
    const fresh = openDatabase(join(await tempDir(t), "fresh.db"));
    t.after(() => fresh.close());
    assert.deepEqual(schemaOf(db), schemaOf(fresh));
  });
}

test("opens a database at the latest schema as it is, and again after that", async (t) => {
  const path = join(await tempDir(t), "aurae.db");
  await databaseAt(path, LATEST);
  openDatabase(path).close();
  const db = openDatabase(path);
  t.after(() => db.close());
  assert.equal(db.pragma("user_version", { simple: true }), LATEST);
  assert.deepEqual(db.prepare("SELECT name FROM cells").all(), [{ name: "web" }]);
});

test("refuses a database from a later auraed, naming both schema versions", async (t) => {
  const path = join(await tempDir(t), "aurae.db");
  await databaseAt(path, LATEST);
  const db = new Database(path);
  db.pragma(`user_version = ${LATEST + 1}`);
  db.close();
  assert.throws(() => openDatabase(path), {
    kind: "precondition",
    message: `database ${path} has schema ${LATEST + 1}, newer than this auraed knows (${LATEST})`,
  });
});

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

test("creates the database, its -wal and its -shm readable by their owner only (0600), whatever the umask", async (t) => {
  const path = join(await tempDir(t), "aurae.db");
  const umask = process.umask(0);
  t.after(() => process.umask(umask));
  const db = openDatabase(path);
  t.after(() => db.close());
  db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)");
  for (const file of [path, `${path}-wal`, `${path}-shm`]) assert.equal(await modeOf(file), 0o600, file);
});

test("tightens a database an older auraed left world-readable, with its -wal and -shm", async (t) => {
  const path = join(await tempDir(t), "aurae.db");
  const old = new Database(path);
  old.pragma("journal_mode = WAL");
  old.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)");
  for (const file of [path, `${path}-wal`, `${path}-shm`]) await chmod(file, 0o644);
  const db = openDatabase(path);
  t.after(() => db.close());
  old.close();
  for (const file of [path, `${path}-wal`, `${path}-shm`]) assert.equal(await modeOf(file), 0o600, file);
});

test("fsyncs every commit (synchronous FULL): an acknowledged change survives a power loss", async (t) => {
  const db = openDatabase(join(await tempDir(t), "aurae.db"));
  t.after(() => db.close());
  assert.equal(db.pragma("synchronous", { simple: true }), 2 /* FULL */);
});

test("has an epoch made once: the same on every open, another in another database", async (t) => {
  const path = join(await tempDir(t), "aurae.db");
  const epochOf = (file: string): string => {
    const db = openDatabase(file);
    try {
      return new EventsStore(db).epoch;
    } finally {
      db.close();
    }
  };
  const epoch = epochOf(path);
  assert.match(epoch, /^[0-9a-f]{32}$/);
  assert.equal(epochOf(path), epoch);
  assert.notEqual(epochOf(join(await tempDir(t), "other.db")), epoch);
});
