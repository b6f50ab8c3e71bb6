import { existsSync, statSync } from "node:fs";
import { AuditStore } from "./audit-store.js";
import { CellsStore } from "./cells-store.js";
import { CertificatesStore } from "./certificates-store.js";
import { openDatabase, type Db } from "./database.js";
import { EventsStore } from "./events-store.js";
import { ExecutablesStore } from "./executables-store.js";

/** The node database and its typed tables. */
export class Store {
  readonly cells: CellsStore;
  readonly executables: ExecutablesStore;
  readonly events: EventsStore;
  readonly audit: AuditStore;
  readonly certificates: CertificatesStore;

  private constructor(
    private readonly db: Db,
    /** The database was created by this open: it knows of nothing that runs on the node. */
    readonly isNew: boolean,
  ) {
    this.cells = new CellsStore(db);
    this.executables = new ExecutablesStore(db);
    this.events = new EventsStore(db);
    this.audit = new AuditStore(db);
    this.certificates = new CertificatesStore(db);
  }

  static open(path: string): Store {
    const isNew = !existsSync(path) || statSync(path).size === 0; // before open, which creates it
    return new Store(openDatabase(path), isNew);
  }

  /** Runs `fn` in one transaction: all of its writes land, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }
}
