// What fsyncing every commit costs (the node database runs synchronous = FULL, see src/store/database.ts): the
// database writes of a cell allocate + free (the cell's row and its event in one transaction, then its removal and
// its event in another, as src/domain/cells/cells.ts makes them) per second, with FULL and with NORMAL, on a
// database in the OS temp dir (on this machine the root disk, as /var/lib/aurae would be). The daemon's other work
// for a cell (cgroups, two mTLS calls: see cells.ts) is the same under both and left out, so the ratio is the
// database's alone, an upper bound on what a whole Allocate + Free slows down.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventLog } from "../src/domain/events/event-log.js";
import { CellsStore } from "../src/store/cells-store.js";
import { openDatabase, type Db } from "../src/store/database.js";
import { EventsStore } from "../src/store/events-store.js";
import type { Benchmark } from "./harness/benchmark.js";
import { num } from "./harness/report.js";
import { figure } from "./harness/result.js";
import { median } from "./harness/stats.js";

const RUNS = 300;
const WARMUP = 20;

export const durability: Benchmark = {
  name: "durability",
  async run(ctx) {
    const dir = await mkdtemp(join(tmpdir(), "aurae-bench-durability-"));
    ctx.cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    const full = allocateFreeMs(openDatabase(join(dir, "full.db")));
    const normal = allocateFreeMs(withNormal(openDatabase(join(dir, "normal.db"))));
    const perSecond = (ms: number[]): number => 1000 / median(ms);
    ctx.log(`FULL ${num(perSecond(full))} cells/s, NORMAL ${num(perSecond(normal))} cells/s: ` +
      `NORMAL/FULL ${num(perSecond(normal) / perSecond(full))}`);
    return [
      figure({
        name: "database writes of a cell allocate + free, synchronous = FULL",
        unit: "ms",
        samples: full,
        baseline: { name: "the same with synchronous = NORMAL", samples: normal },
        // An Allocate + Free through the API takes ~5 ms (cells.ts): up to ~2 ms of fsyncs is what FULL may cost.
        goal: { source: "bench", atMost: 2 },
        note: `${num(perSecond(full))} allocate + free per second with FULL, ${num(perSecond(normal))} with NORMAL`,
      }),
    ];
  },
};

function withNormal(db: Db): Db {
  db.pragma("synchronous = NORMAL");
  return db;
}

/** Milliseconds of each allocate + free's database writes, after a warm-up; closes the database. */
function allocateFreeMs(db: Db): number[] {
  try {
    const cells = new CellsStore(db);
    const events = new EventLog({ store: new EventsStore(db) });
    const ms: number[] = [];
    for (let i = -WARMUP; i < RUNS; i++) {
      const name = `cell-${i + WARMUP}`;
      const t0 = performance.now();
      db.transaction(() => {
        cells.insert({ name, spec: JSON.stringify({ name }), createdAtMs: Date.now(), initPid: null, frozen: 0 });
        events.record({ kind: "cell.allocated", cell: name });
      })();
      db.transaction(() => {
        cells.delete(name);
        events.record({ kind: "cell.freed", cell: name });
      })();
      if (i >= 0) ms.push(performance.now() - t0);
    }
    return ms;
  } finally {
    db.close();
  }
}
