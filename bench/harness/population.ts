// A daemon grown to 1,000 cells, each with memory and pids limits and running `sleep 3600`, one at a time. At each
// checkpoint (10, 100 and 1,000 running) it measures what the scale benchmark reports: probe starts of /bin/true
// (call -> running reply; each probe's exit is awaited untimed, so no exit overlaps the next start), alternating
// with the same probes on a reference daemon that runs nothing, so that the machine's drift between checkpoints
// cancels out; and one List call of up to 1,000 cells and of up to 1,000 executables. Before growing it samples the
// idle daemon's memory and cpu.
import type { Cleanup } from "./cleanup.js";
import { startDaemon, type BenchDaemon } from "./daemon.js";
import { cpuPercent, memoryOf } from "./procs.js";
import { settle, timed } from "./timing.js";

export const POPULATION = 1000;
export const CHECKPOINTS = [10, 100, 1000] as const;
const PROBES = 40;
/** Untimed probes first: the daemon is fresh at the first checkpoint, and its code not yet optimized. */
const WARMUP_PROBES = 10;
const LISTS = 20;
const WARMUP_LISTS = 3;
const PAGE = 1000;
const FREE_IN_PARALLEL = 8;
const IDLE_WINDOWS = 5;
const IDLE_WINDOW_MS = 1000;
/** The cell the probes run in; the first of the population. */
const PROBE_CELL = cellName(0);

export interface IdleSamples {
  readonly rssKiB: number[];
  readonly cpuPercent: number[];
}

export interface Checkpoint {
  readonly startMs: number[];
  /** The same probes on the reference daemon, interleaved with those. */
  readonly referenceStartMs: number[];
  readonly listCellsMs: number[];
  readonly listExecutablesMs: number[];
}

export interface Population {
  readonly daemon: BenchDaemon;
  /** Measurements with that many workloads running. */
  readonly at: ReadonlyMap<number, Checkpoint>;
  /**
   * The daemon idle before it grew, after a full garbage collection: resident memory in KiB, and cpu use in percent
   * of one cpu per window.
   */
  readonly idle: IdleSamples;
  /** Host pids of the `sleep` workloads, by cell. */
  readonly workloadPids: ReadonlyMap<string, number>;
}

export async function populate(cleanup: Cleanup, log: (message: string) => void): Promise<Population> {
  const daemon = await startDaemon(cleanup, { gcOnSignal: true });
  cleanup.add("the population's cells (Free with stop)", () => freeAll(daemon, log));
  const reference = await startDaemon(cleanup);
  await reference.client.cells.allocate({ spec: { name: PROBE_CELL } });
  await daemon.collectGarbage();
  const idle = await sampleIdle(daemon.pid);
  const at = new Map<number, Checkpoint>();
  const workloadPids = new Map<string, number>();
  const t0 = performance.now();
  for (let i = 0; i < POPULATION; i++) {
    const cell = cellName(i);
    await daemon.client.cells.allocate({ spec: { name: cell, memory: { maxBytes: 64n << 20n }, pids: { max: 64n } } });
    const { executable } = await daemon.client.executables.start({ spec: { cellName: cell, name: "sleep", argv: ["sleep", "3600"] } });
    workloadPids.set(cell, executable!.status!.pid);
    if ((CHECKPOINTS as readonly number[]).includes(i + 1)) {
      at.set(i + 1, await checkpoint(daemon, reference, i + 1));
      log(`${i + 1} workloads running (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  }
  return { daemon, at, idle, workloadPids };
}

/** VmRSS of an idle `pid` and its cpu use, in windows of IDLE_WINDOW_MS. */
export async function sampleIdle(pid: number): Promise<IdleSamples> {
  const samples: IdleSamples = { rssKiB: [], cpuPercent: [] };
  for (let i = 0; i < IDLE_WINDOWS; i++) {
    samples.rssKiB.push((await memoryOf(pid)).rssKiB);
    samples.cpuPercent.push(await cpuPercent(pid, IDLE_WINDOW_MS));
  }
  return samples;
}

async function checkpoint(daemon: BenchDaemon, reference: BenchDaemon, running: number): Promise<Checkpoint> {
  const { client } = daemon;
  const startMs: number[] = [];
  const referenceStartMs: number[] = [];
  for (let i = -WARMUP_PROBES; i < PROBES; i++) {
    const name = `probe-${running}-${i + WARMUP_PROBES}`;
    // Which daemon goes first alternates.
    const [first, second] = i % 2 === 0 ? [daemon, reference] : [reference, daemon];
    const firstMs = await probe(first, name);
    const secondMs = await probe(second, name);
    if (i < 0) continue;
    startMs.push(first === daemon ? firstMs : secondMs);
    referenceStartMs.push(first === daemon ? secondMs : firstMs);
  }
  const listCellsMs: number[] = [];
  const listExecutablesMs: number[] = [];
  for (let i = -WARMUP_LISTS; i < LISTS; i++) {
    const cells = await timed(() => client.cells.list({ pageSize: PAGE }));
    const executables = await timed(() => client.executables.list({ pageSize: PAGE }));
    if (i < 0) continue;
    listCellsMs.push(cells);
    listExecutablesMs.push(executables);
  }
  return { startMs, referenceStartMs, listCellsMs, listExecutablesMs };
}

/**
 * A probe start on `daemon`, after a pause (see settle): its milliseconds to the running reply; its exit is awaited
 * after the clock stopped.
 */
async function probe(daemon: BenchDaemon, name: string): Promise<number> {
  await settle();
  const ms = await timed(() => daemon.client.executables.start({ spec: { cellName: PROBE_CELL, name, argv: ["/bin/true"] } }));
  await daemon.client.executables.wait({ cellName: PROBE_CELL, name });
  return ms;
}

/** Stops and frees every cell through the API, a few at a time; the daemon's own cleanup removes whatever is left. */
async function freeAll(daemon: BenchDaemon, log: (message: string) => void): Promise<void> {
  const t0 = performance.now();
  const names = Array.from({ length: POPULATION }, (_, i) => cellName(i));
  const failures: string[] = [];
  const worker = async (): Promise<void> => {
    for (let name = names.pop(); name !== undefined; name = names.pop())
      await daemon.client.cells.free({ name, stop: true, gracePeriodMs: 5000 }).catch((err: Error) => failures.push(`${name}: ${err.message}`));
  };
  await Promise.all(Array.from({ length: FREE_IN_PARALLEL }, worker));
  log(`population stopped and freed in ${((performance.now() - t0) / 1000).toFixed(1)} s${failures.length ? `; ${failures.length} failed, first: ${failures[0]}` : ""}`);
}

function cellName(i: number): string {
  return `w${String(i + 1).padStart(4, "0")}`;
}
