// Cells: desired state in the node database, limits in cgroups, namespaces held by a reaper when isolated. Every
// structural change (allocate, free, and starting executables, see ../executables) of one cell tree runs under the
// tree's lock, so a cell cannot be freed while a child is allocated or an executable starts in it.
import { AuraeError, exists, notFound, precondition } from "../../errors.js";
import { resolveBlockDevice } from "../../runtime/cgroups/devices.js";
import type { CgroupLimits, CgroupStats } from "../../runtime/cgroups/driver.js";
import type { CellRow, CellsStore } from "../../store/cells-store.js";
import type { ExecutablesStore } from "../../store/executables-store.js";
import type { NewEvent } from "../events/event.js";
import type { KeyedMutex } from "../keyed-mutex.js";
import type { LabelSelector } from "../labels/label-selector.js";
import { parentCell, validateCellName } from "../names.js";
import { decodePageToken, encodePageToken, validatePageSize, type PageRequest } from "../pagination.js";
import { cellInitLeaf, isCellInitRunning, startCellInit, stopCellInit, type CellInitDeps } from "./cell-init.js";
import { validateGracePeriodMs } from "../executables/executable-spec.js";
import type { Namespace } from "../../runtime/shim/shim-client.js";
import { apiField, isolatedNamespaces, validateCellSpec, type Cell, type CellSpec } from "./cell-spec.js";
import type { WorkloadIdentities } from "./workload-identity.js";

/** What freeing a cell needs of its executables; the Executables domain provides it. */
export interface CellWorkloads {
  /** Stops every executable of `cell` (not below it) that runs or waits to restart. */
  stopAll(cell: string, graceMs: number): Promise<void>;
  /** Drops an exited executable's record and files. */
  forget(cell: string, name: string): Promise<void>;
}

export interface CellsDeps extends CellInitDeps {
  /** Records what happens to cells in the node's event log. */
  readonly events: { record(event: NewEvent): unknown };
  /** Runs `fn` in one database transaction (Store.transaction): a change and its event land together or not at all. */
  readonly atomically: <T>(fn: () => T) => T;
  readonly cells: CellsStore;
  readonly executables: ExecutablesStore;
  readonly locks: KeyedMutex;
  readonly workloads: () => CellWorkloads;
  /** Provides cells' workload identities; without it, a cell that asks for one is refused. */
  readonly identities?: WorkloadIdentities;
}

export interface FreeOptions {
  /** Stop executables and free child cells instead of refusing. */
  readonly stop?: boolean;
  readonly graceMs?: number;
}

/** Where an executable of a cell runs: the reaper whose namespaces it joins, and whether it gets its own cgroup ns. */
export interface CellNamespaces {
  /** The reaper to join, and the namespaces the cell isolates (which must not be the host's). */
  readonly join?: { readonly pid: number; readonly isolated: readonly Namespace[] };
  readonly cgroup: boolean;
}

/** Usage of a cell and everything below it. */
export type CellStats = CgroupStats;

/**
 * A limit the driver refused (one it cannot enforce here, or a value the kernel would not take) names its field in
 * the driver's terms ("memory.maxBytes"): say it in the API's.
 */
async function inApiTerms(applying: Promise<void>): Promise<void> {
  try {
    await applying;
  } catch (err) {
    if (!(err instanceof AuraeError) || !err.field || err.field.startsWith("spec.")) throw err;
    const field = apiField(err.field);
    throw new AuraeError(err.kind, err.message.replace(`${err.field}:`, `${field}:`), field, { cause: err });
  }
}

const labelsOf = (row: CellRow): CellSpec["labels"] => (JSON.parse(row.spec) as CellSpec).labels;

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
      const limits = await this.#limits(spec);
      try {
        await inApiTerms(this.deps.cgroups.create(spec.name, limits));
        const initPid = spec.isolation && isolatedNamespaces(spec.isolation).length > 0
          ? await startCellInit(this.deps, spec.name, spec.isolation)
          : null;
        if (spec.workloadIdentity) await this.#identities().provide(spec.name);
        const row: CellRow = { name: spec.name, spec: JSON.stringify(spec), createdAtMs: Date.now(), initPid, frozen: 0 };
        this.deps.atomically(() => {
          this.deps.cells.insert(row);
          this.deps.events.record({ kind: "cell.allocated", cell: spec.name, labels: spec.labels });
        });
        return await this.#toCell(row);
      } catch (err) {
        // A limit the kernel refused, a reaper that did not start: leave no cgroup that no cell owns.
        await this.deps.cgroups.kill(spec.name).catch(() => undefined);
        await this.deps.cgroups.remove(cellInitLeaf(spec.name)).catch(() => undefined);
        await this.deps.cgroups.remove(spec.name).catch(() => undefined);
        if (spec.workloadIdentity) await this.deps.identities?.withdraw(spec.name).catch(() => undefined);
        throw err;
      }
    });
  }

  update(input: CellSpec): Promise<Cell> {
    const spec = validateCellSpec(input);
    return this.deps.locks.run(treeLock(spec.name), async () => {
      const row = this.require(spec.name);
      const current = JSON.parse(row.spec) as CellSpec;
      if (JSON.stringify(isolatedNamespaces(current.isolation)) !== JSON.stringify(isolatedNamespaces(spec.isolation)) ||
          Boolean(current.isolation?.cgroup) !== Boolean(spec.isolation?.cgroup))
        throw precondition(`spec.isolation: the namespaces of cell "${spec.name}" are fixed when it is allocated`);
      await inApiTerms(this.deps.cgroups.update(spec.name, await this.#limits(spec)));
      if (spec.workloadIdentity) await this.#identities().provide(spec.name);
      else if (current.workloadIdentity) await this.#identities().withdraw(spec.name);
      this.deps.atomically(() => {
        this.deps.cells.setSpec(spec.name, JSON.stringify(spec));
        this.deps.events.record({ kind: "cell.updated", cell: spec.name, labels: spec.labels });
      });
      return this.#toCell({ ...row, spec: JSON.stringify(spec) });
    });
  }

  async free(name: string, opts: FreeOptions = {}): Promise<void> {
    validateCellName(name, "name");
    if (opts.graceMs !== undefined) validateGracePeriodMs(opts.graceMs, "grace_period_ms");
    // The grace period is waited out before the tree's lock is taken: holding it that long (up to an hour) would
    // stall every change to the whole top-level tree, the cells of other callers included.
    if (opts.stop) {
      this.require(name);
      const cells = [...this.deps.cells.descendants(name).reverse(), name];
      await Promise.all(cells.map((cell) => this.deps.workloads().stopAll(cell, opts.graceMs ?? 10_000)));
    }
    return this.deps.locks.run(treeLock(name), async () => {
      const row = this.require(name);
      const children = this.deps.cells.descendants(name);
      const running = [name, ...children].flatMap((cell) =>
        this.deps.executables.inCell(cell).filter((x) => x.state !== "exited").map((x) => `${cell}/${x.name}`),
      );
      if (!opts.stop && children.length > 0)
        throw precondition(`cell "${name}" has child cells (${children.join(", ")}): free them first, or free with stop`);
      if (!opts.stop && running.length > 0)
        throw precondition(`cell "${name}" has running executables (${running.join(", ")}): stop them first, or free with stop`);
      // Deepest first, so every cgroup is empty of children when it is removed. What was started while the grace
      // period ran is killed without one: the caller asked for the tree to go.
      const order = [...children.reverse(), name];
      for (const cell of order) await this.#stopExecutables(cell, 0);
      if (row.initPid !== null) await stopCellInit(this.deps, name, row.initPid);
      for (const cell of order) {
        const spec = JSON.parse(this.require(cell).spec) as CellSpec;
        if (spec.workloadIdentity) await this.#identities().withdraw(cell);
        await this.deps.cgroups.remove(cell);
        this.deps.atomically(() => {
          this.deps.cells.delete(cell);
          this.deps.events.record({ kind: "cell.freed", cell, labels: spec.labels });
        });
      }
    });
  }

  /** Under the tree's lock: a thaw racing a freeze would leave the freeze waiting for a state that never comes. */
  freeze(name: string): Promise<Cell> {
    validateCellName(name, "name");
    return this.deps.locks.run(treeLock(name), async () => {
      const row = this.require(name);
      try {
        await this.deps.cgroups.freeze(name);
      } catch (err) {
        // A freeze that timed out leaves the kernel freezing while the record says thawed, and a start into the cell
        // would hang. Write the thaw back; if even that fails, record the cell frozen: starts are refused, and Thaw
        // (or the next reconcile) finishes the job.
        await this.deps.cgroups.thaw(name).catch(() => this.deps.cells.setFrozen(name, true));
        throw err;
      }
      this.deps.atomically(() => {
        this.deps.cells.setFrozen(name, true);
        this.deps.events.record({ kind: "cell.frozen", cell: name, labels: labelsOf(row) });
      });
      return this.#toCell({ ...row, frozen: 1 });
    });
  }

  thaw(name: string): Promise<Cell> {
    validateCellName(name, "name");
    return this.deps.locks.run(treeLock(name), async () => {
      const row = this.require(name);
      // The kernel keeps a cgroup frozen while an ancestor is: this thaw could never complete.
      const parent = parentCell(name);
      const frozen = parent === undefined ? undefined : this.frozenAt(parent);
      if (frozen !== undefined) throw precondition(`cell "${name}" is frozen with its ancestor "${frozen}": thaw "${frozen}"`);
      await this.deps.cgroups.thaw(name);
      this.deps.atomically(() => {
        this.deps.cells.setFrozen(name, false);
        this.deps.events.record({ kind: "cell.thawed", cell: name, labels: labelsOf(row) });
      });
      return this.#toCell({ ...row, frozen: 0 });
    });
  }

  stats(name: string): Promise<CgroupStats> {
    this.#requireValid(name);
    return this.deps.cgroups.stats(name);
  }

  get(name: string): Promise<Cell> {
    return this.#toCell(this.#requireValid(name));
  }

  /**
   * A page of cells in name order; with `under`, only that cell and the cells below it; with a selector, only the
   * cells whose labels match it.
   */
  async list(page: PageRequest, under = "", selector: LabelSelector = []): Promise<{ cells: Cell[]; nextPageToken: string }> {
    const size = validatePageSize(page.pageSize);
    const [after] = decodePageToken(page.pageToken, 1);
    if (under !== "") validateCellName(under, "cell_name");
    const rows = this.deps.cells.page(after!, size + 1, under, selector);
    const cells = await Promise.all(rows.slice(0, size).map((row) => this.#toCell(row)));
    return { cells, nextPageToken: rows.length > size ? encodePageToken([cells.at(-1)!.spec.name]) : "" };
  }

  /** The stored row of an existing cell, or NOT_FOUND. */
  require(name: string): CellRow {
    const row = this.deps.cells.get(name);
    if (!row) throw notFound(`cell "${name}" not found`);
    return row;
  }

  /**
   * Brings the kernel back to the recorded cells after auraed (or the node) restarted: every cell's cgroups exist
   * with its limits, and every isolated cell has a running reaper. Goes on past a failure; returns every error.
   */
  async reconcile(): Promise<Error[]> {
    const errors: Error[] = [];
    for (let rows = this.deps.cells.page("", 1000), after = ""; rows.length > 0; after = rows.at(-1)!.name, rows = this.deps.cells.page(after, 1000)) {
      for (const row of rows) {
        try {
          const spec = JSON.parse(row.spec) as CellSpec;
          await inApiTerms(this.deps.cgroups.create(row.name, await this.#limits(spec)));
          if (row.initPid !== null && !(await isCellInitRunning(this.deps, row.name, row.initPid)))
            await this.namespacesFor(row.name);
          // Both directions: a cgroup frozen behind the record's back (a Freeze cut short) would hang every start.
          // Parents come first (name order); a cell under a frozen one stays frozen with it.
          if (row.frozen) await this.deps.cgroups.freeze(row.name);
          else if (this.frozenAt(row.name) === undefined && (await this.deps.cgroups.isFrozen(row.name))) await this.deps.cgroups.thaw(row.name);
          if (spec.workloadIdentity) await this.#identities().provide(row.name);
        } catch (err) {
          errors.push(new Error(`cell "${row.name}": ${(err as Error).message}`, { cause: err }));
        }
      }
    }
    return errors;
  }

  /** The cgroups the recorded cells own (their own and their reapers'), relative to the driver's root. */
  claimedCgroups(): Set<string> {
    const claimed = new Set<string>();
    for (let rows = this.deps.cells.page("", 1000); rows.length > 0; rows = this.deps.cells.page(rows.at(-1)!.name, 1000))
      for (const row of rows) {
        claimed.add(row.name);
        if (row.initPid !== null) claimed.add(cellInitLeaf(row.name));
      }
    return claimed;
  }

  /**
   * The namespaces an executable of `cell` runs in: those of its top-level cell's reaper, restarted first if it is
   * gone (a reboot, or someone killed it). Call under the tree lock.
   */
  async namespacesFor(cell: string): Promise<CellNamespaces> {
    const top = this.require(treeLock(cell));
    const isolation = (JSON.parse(top.spec) as CellSpec).isolation;
    if (top.initPid === null || !isolation) return { cgroup: Boolean(isolation?.cgroup) };
    let pid = top.initPid;
    if (!(await isCellInitRunning(this.deps, top.name, pid))) {
      await stopCellInit(this.deps, top.name, null);
      pid = await startCellInit(this.deps, top.name, isolation);
      this.deps.cells.setInitPid(top.name, pid);
    }
    return { join: { pid, isolated: isolatedNamespaces(isolation) }, cgroup: isolation.cgroup };
  }

  async #stopExecutables(cell: string, graceMs: number): Promise<void> {
    const workloads = this.deps.workloads();
    await workloads.stopAll(cell, graceMs);
    for (const x of this.deps.executables.inCell(cell)) await workloads.forget(cell, x.name);
  }

  /** Limits in kernel terms; the driver's create and update refuse those the host cannot enforce. */
  async #limits(spec: CellSpec): Promise<CgroupLimits> {
    return {
      ...(spec.cpu && { cpu: spec.cpu }),
      ...(spec.cpuset && { cpuset: spec.cpuset }),
      ...(spec.memory && { memory: spec.memory }),
      ...(spec.pids && { pids: spec.pids }),
      ...(spec.io && {
        io: {
          weight: spec.io.weight,
          devices: await Promise.all(
            (spec.io.devices ?? []).map(async (d, i) => ({
              ...(await resolveBlockDevice(d.device, `spec.io.devices[${i}].device`)),
              ...d,
              device: undefined,
            })),
          ),
        },
      }),
    };
  }

  /** The cell itself or the nearest ancestor that is frozen, if one is: the kernel keeps the whole subtree frozen. */
  frozenAt(name: string): string | undefined {
    return this.#nearest(name, (row) => row.frozen === 1)?.name;
  }

  /** The nearest cell at or above `name` whose record passes `test`. */
  #nearest(name: string, test: (row: CellRow) => boolean): CellRow | undefined {
    for (let cell: string | undefined = name; cell !== undefined; cell = parentCell(cell)) {
      const row = this.deps.cells.get(cell);
      if (row && test(row)) return row;
    }
    return undefined;
  }

  #requireValid(name: string): CellRow {
    validateCellName(name, "name");
    return this.require(name);
  }

  /**
   * The environment a workload of `cell` gets from the nearest cell at or above it with a workload identity: its
   * socket and SVID. Empty when there is none.
   */
  workloadEnv(cell: string): Readonly<Record<string, string>> {
    const owner = this.#nearest(cell, (row) => (JSON.parse(row.spec) as CellSpec).workloadIdentity === true);
    return owner ? this.#identities().describe(owner.name).env : {};
  }

  #identities(): WorkloadIdentities {
    if (!this.deps.identities) throw precondition("spec.workload_identity: this auraed does not provide workload identities");
    return this.deps.identities;
  }

  async #toCell(row: CellRow): Promise<Cell> {
    const spec = JSON.parse(row.spec) as CellSpec;
    const identity = spec.workloadIdentity ? this.#identities().describe(row.name) : undefined;
    return {
      spec,
      createdAt: new Date(row.createdAtMs),
      cgroupPaths: this.deps.cgroups.dirs(row.name),
      // Freezing goes through this API, so the record says it without a read of the kernel per cell.
      frozen: row.frozen === 1,
      ...(row.initPid !== null && { initPid: row.initPid }),
      ...(identity && { identity: { spiffeId: identity.spiffeId, socketPath: identity.socketPath } }),
    };
  }
}
