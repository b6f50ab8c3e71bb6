import { AuditStore } from "./audit-store.js";
import { CellsStore } from "./cells-store.js";
import { CertificatesStore } from "./certificates-store.js";
import { openVersionedDatabase, type Db } from "./database.js";
import { EventsStore } from "./events-store.js";
import { ExecutablesStore } from "./executables-store.js";
import { ImagesStore } from "./images-store.js";

/** The node database and its typed tables. */
export class Store {
  readonly cells: CellsStore;
  readonly executables: ExecutablesStore;
  readonly events: EventsStore;
  readonly audit: AuditStore;
  readonly certificates: CertificatesStore;
  readonly images: ImagesStore;

  private constructor(
    private readonly db: Db,
    /** The database had no schema before this open (it was created, or lost its tables): it knows of nothing that runs. */
    readonly isNew: boolean,
  ) {
    this.cells = new CellsStore(db);
    this.executables = new ExecutablesStore(db);
    this.events = new EventsStore(db);
    this.audit = new AuditStore(db);
    this.certificates = new CertificatesStore(db);
    this.images = new ImagesStore(db);
  }

  static open(path: string): Store {
    const { db, openedAtVersion } = openVersionedDatabase(path);
    return new Store(db, openedAtVersion === 0);
  }

  /** Runs `fn` in one transaction: all of its writes land, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }
}
