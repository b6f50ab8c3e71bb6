// The node database: one SQLite file in WAL mode, its schema moved forward by numbered migrations recorded in
// PRAGMA user_version. Opening an older database upgrades it; a newer one (from a later auraed) is refused.
import { chmodSync, closeSync, existsSync, openSync } from "node:fs";
import Database from "better-sqlite3";
import { precondition } from "../errors.js";
import { MIGRATIONS } from "./migrations.js";

export type Db = Database.Database;

export function openDatabase(path: string): Db {
  return openVersionedDatabase(path).db;
}

/**
 * Opens the database as openDatabase does, and says which schema it had before: 0 when it held none, which is a
 * new database, and also one whose tables never reached the disk (a power cut that kept only the header).
 */
export function openVersionedDatabase(path: string): { db: Db; openedAtVersion: number } {
  let db: Db;
  try {
    restrictToOwner(path);
    db = new Database(path);
    db.pragma("journal_mode = WAL");
    // FULL: a commit is fsynced before the call that made it is answered, so a power loss keeps every acknowledged
    // change and event, and never hands a sequence a watcher was told about to another event. (NORMAL could drop the
    // last commits.) The node writes little: bench/durability.ts measures what it costs.
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    const check = db.pragma("quick_check", { simple: true });
    if (check !== "ok") throw new Error(`integrity check failed: ${String(check)}`);
  } catch (err) {
    throw precondition(
      `open database ${path}: ${(err as Error).message}. To recover, stop auraed, move ${path} (and its -wal and -shm ` +
        "files) aside, and start auraed again: a new database starts with no desired state and leaves running " +
        "workloads alone (--keep-leftovers keeps them on later starts too; see the README, Recovery)",
      { cause: err },
    );
  }
  return { db, openedAtVersion: migrate(db, path) };
}

/**
 * Runs `fn` with its commits written to the WAL but not fsynced (synchronous = NORMAL): they survive a crash of
 * auraed, but a power cut may drop them, until the next FULL commit of any table, which fsyncs the WAL and every
 * commit before it. Only for writes whose loss at a power cut is safe; the caller says why.
 */
export function withoutFsync<T>(db: Db, fn: () => T): T {
  db.pragma("synchronous = NORMAL");
  try {
    return fn();
  } finally {
    db.pragma("synchronous = FULL");
  }
}

/**
 * The database holds every workload's spec, its environment included: only its owner may read it. SQLite would
 * create it 0644 and gives its -wal and -shm the database's mode, so it is created 0600 first; an existing one (from
 * before this rule) is tightened, with its -wal and -shm.
 */
function restrictToOwner(path: string): void {
  closeSync(openSync(path, "a", 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
}

/** Moves the schema forward; answers the version it found. */
function migrate(db: Db, path: string): number {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length)
    throw precondition(`database ${path} has schema ${current}, newer than this auraed knows (${MIGRATIONS.length})`);
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return current;
}
