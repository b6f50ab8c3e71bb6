// Cells: desired state in the node database, limits in cgroups. Every structural change (allocate, free, and
// starting executables, see ../executables) of one cell tree runs under the tree's lock, so a cell cannot be freed
// while a child is allocated or an executable starts in it.
import { exists, notFound, precondition } from "../../errors.js";
import type { CgroupDriver } from "../../runtime/cgroups/driver.js";
import type { CellRow, CellsStore } from "../../store/cells-store.js";
import type { ExecutablesStore } from "../../store/executables-store.js";
import type { KeyedMutex } from "../keyed-mutex.js";
import { parentCell, validateCellName } from "../names.js";
import { decodePageToken, encodePageToken, validatePageSize, type PageRequest } from "../pagination.js";
import { validateCellSpec, type Cell, type CellSpec } from "./cell-spec.js";

export interface CellsDeps {
  readonly cells: CellsStore;
  readonly executables: ExecutablesStore;
  readonly cgroups: CgroupDriver;
  readonly locks: KeyedMutex;
  /** Removes what exited executables of a freed cell left on disk. */
  readonly forgetExecutable: (cell: string, name: string) => Promise<void>;
}

/** The lock shared by a whole cell tree: its top-level segment. */
export const treeLock = (cell: string): string => cell.split("/", 1)[0]!;

export class Cells {
  constructor(private readonly deps: CellsDeps) {}

  allocate(input: CellSpec): Promise<Cell> {
    const spec = validateCellSpec(input);
    return this.deps.locks.run(treeLock(spec.name), async () => {
      if (this.deps.cells.get(spec.name)) throw exists(`cell "${spec.name}" already exists`);
      const parent = parentCell(spec.name);
      if (parent !== undefined && !this.deps.cells.get(parent))
        throw notFound(`cell "${parent}" not found: allocate it before "${spec.name}"`);
      const row: CellRow = { name: spec.name, spec: JSON.stringify(spec), createdAtMs: Date.now() };
      try {
        await this.deps.cgroups.create(spec.name, spec);
        this.deps.cells.insert(row);
      } catch (err) {
        // A limit the kernel refused, or a failed insert: leave no cgroup that no cell owns.
        await this.deps.cgroups.remove(spec.name).catch(() => undefined);
        throw err;
      }
      return this.#toCell(row);
    });
  }

  free(name: string): Promise<void> {
    validateCellName(name, "name");
    return this.deps.locks.run(treeLock(name), async () => {
      this.require(name);
      const children = this.deps.cells.descendants(name);
      if (children.length > 0)
        throw precondition(`cell "${name}" has child cells (${children.join(", ")}): free them first`);
      const running = this.deps.executables.inCell(name).filter((x) => x.state !== "exited");
      if (running.length > 0)
        throw precondition(`cell "${name}" has running executables (${running.map((x) => x.name).join(", ")}): stop them first`);
      for (const x of this.deps.executables.inCell(name)) await this.deps.forgetExecutable(name, x.name);
      await this.deps.cgroups.remove(name);
      this.deps.cells.delete(name);
    });
  }

  get(name: string): Cell {
    validateCellName(name, "name");
    return this.#toCell(this.require(name));
  }

  list(page: PageRequest): { cells: Cell[]; nextPageToken: string } {
    const size = validatePageSize(page.pageSize);
    const [after] = decodePageToken(page.pageToken, 1);
    const rows = this.deps.cells.page(after!, size + 1);
    const cells = rows.slice(0, size).map((row) => this.#toCell(row));
    return { cells, nextPageToken: rows.length > size ? encodePageToken([cells.at(-1)!.spec.name]) : "" };
  }

  /** The stored row of an existing cell, or NOT_FOUND. */
  require(name: string): CellRow {
    const row = this.deps.cells.get(name);
    if (!row) throw notFound(`cell "${name}" not found`);
    return row;
  }

  #toCell(row: CellRow): Cell {
    return {
      spec: JSON.parse(row.spec) as CellSpec,
      createdAt: new Date(row.createdAtMs),
      cgroupPaths: this.deps.cgroups.dirs(row.name),
    };
  }
}
