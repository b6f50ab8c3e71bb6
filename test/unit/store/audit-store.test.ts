// The audit table against a real SQLite file: sequences, pruning, every filter alone and together, and reads that
// walk an index rather than the whole table.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { AuditStore, type AuditQuery, type AuditRow } from "../../../src/store/audit-store.js";
import { openDatabase, type Db } from "../../../src/store/database.js";
import { tempDir } from "../helpers/temp-dir.js";

async function openStore(t: TestContext): Promise<{ store: AuditStore; db: Db }> {
  const db = openDatabase(join(await tempDir(t), "aurae.db"));
  t.after(() => db.close());
  return { store: new AuditStore(db), db };
}

const ADMIN = "spiffe://aurae.test/admin";
const CI = "spiffe://aurae.test/team-a/ci";
const FREE = "/aurae.cells.v1.CellService/Free";
const START = "/aurae.executables.v1.ExecutableService/Start";

const row = (timeMs: number, fields: Partial<Omit<AuditRow, "sequence" | "timeMs">> = {}): Omit<AuditRow, "sequence"> => ({
  timeMs,
  identity: ADMIN,
  method: FREE,
  cell: null,
  code: "OK",
  details: "",
  peer: "unix",
  pending: 0,
  replaces: null,
  ...fields,
});

const ALL = { after: 0, through: Number.MAX_SAFE_INTEGER, limit: 1000 };

test("hands out sequences from 1 and never again, even once their rows are pruned, and reads rows back as written", async (t) => {
  const { store } = await openStore(t);
  assert.equal(store.lastSequence(), 0);
  const written = row(5, { identity: "", method: START, cell: "web/api", code: "UNAUTHENTICATED", details: "no client certificate", peer: "tcp:[::1]:5000" });
  assert.equal(store.insert(written), 1);
  assert.deepEqual(store.page(ALL), [{ sequence: 1, ...written }]);
  assert.equal(store.insert(row(6)), 2);
  assert.equal(store.prune({ throughSequence: 2, beforeTimeMs: 0 }), 2);
  assert.equal(store.lastSequence(), 2);
  assert.equal(store.insert(row(7)), 3);
});

test("prunes by sequence and by age", async (t) => {
  const { store } = await openStore(t);
  for (const timeMs of [50, 10, 40, 30]) store.insert(row(timeMs));
  assert.equal(store.prune({ throughSequence: 1, beforeTimeMs: 35 }), 3);
  assert.deepEqual(store.page(ALL).map((r) => r.sequence), [3]);
});

test("matches identities and methods exactly, or by a prefix ending in a slash", async (t) => {
  const { store } = await openStore(t);
  store.insert(row(1, { identity: ADMIN }));
  store.insert(row(2, { identity: CI, method: START }));
  store.insert(row(3, { identity: "spiffe://aurae.test/team-ab" }));
  store.insert(row(4, { identity: "spiffe://other.test/admin", method: "/aurae.cells.v1.CellService/Allocate" }));
  store.insert(row(5, { identity: "" }));
  const seqs = (q: Partial<AuditQuery>) => store.page({ ...ALL, ...q }).map((r) => r.sequence);
  assert.deepEqual(seqs({ identity: ADMIN }), [1]);
  assert.deepEqual(seqs({ identity: "spiffe://aurae.test/team-a/" }), [2]);
  assert.deepEqual(seqs({ identity: "spiffe://aurae.test/" }), [1, 2, 3]);
  assert.deepEqual(seqs({ identity: "spiffe://aurae.test/team-a" }), [], "without its slash, an identity is exact");
  assert.deepEqual(seqs({ identity: "" }), [5]);
  assert.deepEqual(seqs({ method: FREE }), [1, 3, 5]);
  assert.deepEqual(seqs({ method: "/aurae.cells.v1.CellService/" }), [1, 3, 4, 5]);
  assert.deepEqual(seqs({ method: "/aurae.cells.v1.CellService/", identity: "spiffe://aurae.test/" }), [1, 3]);
});

test("matches a cell and its descendants, codes, and times from since up to but not including until", async (t) => {
  const { store } = await openStore(t);
  store.insert(row(10, { cell: "a" }));
  store.insert(row(20, { cell: "a/b", code: "PERMISSION_DENIED" }));
  store.insert(row(30, { cell: "ab", code: "UNAUTHENTICATED" }));
  store.insert(row(40, { cell: "a-b", code: "NOT_FOUND" }));
  store.insert(row(50));
  const seqs = (q: Partial<AuditQuery>) => store.page({ ...ALL, ...q }).map((r) => r.sequence);
  assert.deepEqual(seqs({ cell: "a" }), [1, 2]);
  assert.deepEqual(seqs({ cell: "a/b" }), [2]);
  assert.deepEqual(seqs({ codes: ["PERMISSION_DENIED", "UNAUTHENTICATED"] }), [2, 3]);
  assert.deepEqual(seqs({ codes: [] }), [1, 2, 3, 4, 5]);
  assert.deepEqual(seqs({ sinceMs: 20, untilMs: 40 }), [2, 3]);
  assert.deepEqual(seqs({ sinceMs: 45 }), [5]);
  assert.deepEqual(seqs({ cell: "a", codes: ["PERMISSION_DENIED"], sinceMs: 10, untilMs: 21 }), [2]);
});

test("pages in sequence order between the bounds, at most limit rows", async (t) => {
  const { store } = await openStore(t);
  for (let i = 1; i <= 10; i++) store.insert(row(i, { identity: i % 2 ? ADMIN : CI }));
  assert.deepEqual(store.page({ after: 2, through: 8, limit: 3 }).map((r) => r.sequence), [3, 4, 5]);
  assert.deepEqual(store.page({ after: 2, through: 8, limit: 3, identity: CI }).map((r) => r.sequence), [4, 6, 8]);
  assert.deepEqual(store.page({ after: 6, through: 8, limit: 3, identity: ADMIN }).map((r) => r.sequence), [7]);
});

test("reads by an exact identity, method or denial code through its index, not by scanning the table", async (t) => {
  const { db } = await openStore(t);
  let last: { sql: string; params: unknown } | undefined;
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const statement = prepare(sql);
    const all = statement.all.bind(statement);
    statement.all = ((params: unknown) => ((last = { sql, params }), all(params))) as typeof statement.all;
    return statement;
  }) as typeof db.prepare;
  const store = new AuditStore(db);
  const plan = (query: Partial<AuditQuery>): string => {
    store.page({ ...ALL, ...query });
    return db.prepare<object, { detail: string }>(`EXPLAIN QUERY PLAN ${last!.sql}`).all(last!.params as object).map((r) => r.detail).join("; ");
  };
  assert.match(plan({ identity: ADMIN }), /USING INDEX audit_identity \(identity=\? AND rowid>\? AND rowid<\?\)/);
  assert.match(plan({ method: FREE, cell: "web" }), /USING INDEX audit_method/);
  assert.match(plan({ codes: ["PERMISSION_DENIED", "UNAUTHENTICATED"], sinceMs: 5 }), /USING INDEX audit_code/);
});
