// Stats of a cell include its children's, the gone ones too (an executable's leaf goes when it exits, a child cell
// when it is freed). Where the kernel forgets a removed cgroup's counters (cgroup v1: OOM kills, block I/O), the
// driver reports them at removal and they are kept in the node database with every cell above, so a cell's counters
// never go backwards, across daemon restarts too. Every cgroup removal goes through here, whoever removes it
// (executables, cells, reapers, the start-up reconcile), which is why this wraps the driver rather than its callers.
import type { CgroupDriver, CgroupFeatures, CgroupLimits, CgroupStats, RetiredUsage, UnsupportedLimit } from "../../runtime/cgroups/driver.js";
import type { CellsStore } from "../../store/cells-store.js";
import { KeyedMutex } from "../keyed-mutex.js";
import { treeLock } from "./cells.js";

export class UsageKeepingCgroups implements CgroupDriver {
  readonly mode;
  // A read of a tree's stats never overlaps a removal in it: the removed cgroup would be counted twice or not at all.
  readonly #reading = new KeyedMutex();

  constructor(
    private readonly driver: CgroupDriver,
    private readonly cells: Pick<CellsStore, "retire" | "retired">,
  ) {
    this.mode = driver.mode;
  }

  /** Removes `path` and adds what the kernel forgets with it to every recorded cell above it. */
  remove(path: string): Promise<RetiredUsage> {
    return this.#reading.run(treeLock(path), async () => {
      const retired = await this.driver.remove(path);
      if (retired.oomKills || retired.ioReadBytes || retired.ioWriteBytes) this.cells.retire(path, retired);
      return retired;
    });
  }

  stats(path: string): Promise<CgroupStats> {
    return this.#reading.run(treeLock(path), async () => {
      const [live, retired] = [await this.driver.stats(path), this.cells.retired(path)];
      return {
        ...live,
        oomKills: live.oomKills + retired.oomKills,
        ioReadBytes: live.ioReadBytes + retired.ioReadBytes,
        ioWriteBytes: live.ioWriteBytes + retired.ioWriteBytes,
      };
    });
  }

  init = (): Promise<void> => this.driver.init();
  features = (): CgroupFeatures => this.driver.features();
  check = (limits: CgroupLimits): Promise<UnsupportedLimit[]> => this.driver.check(limits);
  create = (path: string, limits: CgroupLimits): Promise<void> => this.driver.create(path, limits);
  update = (path: string, limits: CgroupLimits): Promise<void> => this.driver.update(path, limits);
  createLeaf = (path: string): Promise<void> => this.driver.createLeaf(path);
  dirs = (path: string): string[] => this.driver.dirs(path);
  oomEventsFile = (path: string): string | undefined => this.driver.oomEventsFile(path);
  list = (notBelow?: ReadonlySet<string>): Promise<string[]> => this.driver.list(notBelow);
  pids = (path: string): Promise<number[]> => this.driver.pids(path);
  kill = (path: string): Promise<void> => this.driver.kill(path);
  freeze = (path: string): Promise<void> => this.driver.freeze(path);
  thaw = (path: string): Promise<void> => this.driver.thaw(path);
  isFrozen = (path: string): Promise<boolean> => this.driver.isFrozen(path);
}
