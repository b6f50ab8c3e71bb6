// The tested upgrade from every earlier schema: a database left at each version by an older auraed opens, is
// moved to the latest schema, keeps its rows, and takes the rows of the newest tables. And the files' modes.
import assert from "node:assert/strict";
import { chmod, stat } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { openDatabase } from "../../../src/store/database.js";
import { EventsStore } from "../../../src/store/events-store.js";
import { MIGRATIONS } from "../../../src/store/migrations.js";
import { tempDir } from "../helpers/temp-dir.js";

const LATEST = MIGRATIONS.length;
/** The first schema with the audit table. */
const AUDIT_SCHEMA = 6;

/** A database file left at schema `version`, as an auraed of that version would leave it. */
function databaseAt(path: string, version: number): void {
  const db = new Database(path);
  try {
    for (let v = 0; v < version; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${version}`);
    if (version >= 1) {
      // Columns of schema 1, which every later schema keeps.
      db.prepare("INSERT INTO cells (name, spec, created_at_ms) VALUES ('web', '{\"name\":\"web\"}', 1000)").run();
      db.prepare(
        `INSERT INTO executables (cell, name, spec, state, pid, started_at_ms, exited_at_ms, exit_status)
         VALUES ('web', 'server', '{}', 'exited', 42, 2000, 3000, '{"code":0}')`,
      ).run();
    }
    if (version >= AUDIT_SCHEMA)
      db.prepare("INSERT INTO audit (time_ms, identity, method, cell, code, details, peer) VALUES (5000, 'spiffe://x/admin', '/a.B/C', 'web', 'OK', '', 'unix')").run();
  } finally {
    db.close();
  }
}

const tablesOf = (db: Database.Database): string[] =>
  db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all().map((r) => r.name);

for (let version = 0; version < LATEST; version++) {
  test(`upgrades a database at schema ${version} to schema ${LATEST}, keeping its rows`, async (t) => {
    const path = join(await tempDir(t), "aurae.db");
    databaseAt(path, version);
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
    assert.deepEqual(tablesOf(db), tablesOf(fresh));
  });
}

test("opens a database at the latest schema as it is, and again after that", async (t) => {
  const path = join(await tempDir(t), "aurae.db");
  databaseAt(path, LATEST);
  openDatabase(path).close();
  const db = openDatabase(path);
  t.after(() => db.close());
  assert.equal(db.pragma("user_version", { simple: true }), LATEST);
  assert.deepEqual(db.prepare("SELECT name FROM cells").all(), [{ name: "web" }]);
});

test("refuses a database from a later auraed, naming both schema versions", async (t) => {
  const path = join(await tempDir(t), "aurae.db");
  databaseAt(path, LATEST);
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
