import { InvalidArgumentError, type Command } from "commander";
import type { AuraeClient } from "../../client/connect.js";
import type { DeepPartial } from "../../client/service-client.js";
import { Cell, CellStats, type CellSpec } from "../../gen/aurae/cells/v1/cells.js";
import { fanOut, outputOptions, withClient } from "../context.js";
import { addLabelOption, addSelectorOptions, withLabels, type SelectorOptions } from "../labels.js";
import { printRows, protoJson, type Printer } from "../output.js";
import { withProgress } from "../progress.js";
import { showsProgress } from "../terminal.js";
import { formatAge, formatBytes, parseDurationMs, parseInteger, parseSize } from "../units.js";
import { addWatchOptions, watchRows, type WatchOptions } from "../watch.js";
import { isActive, listExecutables } from "./executables.js";
import { allPages, PAGE_SIZE } from "../pages.js";

export const CELL: Printer<Cell> = {
  columns: [
    ["NAME", (c) => c.spec?.name ?? ""],
    ["MEMORY MAX", (c) => formatBytes(c.spec?.memory?.maxBytes)],
    ["CPU", (c) => (c.spec?.cpu?.quotaUs === undefined ? "-" : `${c.spec.cpu.quotaUs}/${c.spec.cpu.periodUs ?? 100000n}us`)],
    ["PIDS MAX", (c) => c.spec?.pids?.max?.toString() ?? "-"],
    ["FROZEN", (c) => (c.status?.frozen ? "yes" : "no")],
    ["AGE", (c) => formatAge(c.status?.createdAt)],
  ],
  toJson: (c) => protoJson(Cell, c),
  name: (c) => c.spec?.name ?? "",
};

/** A cell's usage, and the cell's name for -q and the NAME column. */
interface NamedStats {
  readonly name: string;
  readonly stats: CellStats;
}

const STATS: Printer<NamedStats> = {
  columns: [
    ["NAME", (s) => s.name],
    ["CPU", ({ stats: s }) => `${Number(s.cpuUsageUs) / 1e6}s`],
    ["THROTTLED", ({ stats: s }) => `${s.cpuThrottledPeriods}x ${Number(s.cpuThrottledUs) / 1e6}s`],
    ["MEMORY", ({ stats: s }) => formatBytes(s.memoryCurrentBytes)],
    ["PEAK", ({ stats: s }) => formatBytes(s.memoryPeakBytes)],
    ["OOM KILLS", ({ stats: s }) => String(s.oomKills)],
    ["PIDS", ({ stats: s }) => String(s.pidsCurrent)],
    ["IO READ", ({ stats: s }) => formatBytes(s.ioReadBytes)],
    ["IO WRITE", ({ stats: s }) => formatBytes(s.ioWriteBytes)],
  ],
  toJson: (s) => protoJson(CellStats, s.stats),
  name: (s) => s.name,
};

/** Every cell (a cell and the cells below it, if given; those a label selector matches, if given), all pages. */
export const listCells = (client: AuraeClient, cell = "", labelSelector = ""): Promise<Cell[]> =>
  allPages((pageToken) => client.cells.list({ cellName: cell, labelSelector, pageSize: PAGE_SIZE, pageToken }), (page) => page.cells);


interface LimitOptions {
  memoryMax?: bigint;
  memoryHigh?: bigint;
  memoryLow?: bigint;
  memoryMin?: bigint;
  swapMax?: bigint;
  cpuQuotaUs?: number;
  cpuPeriodUs?: number;
  cpuWeight?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsMax?: number;
  ioWeight?: number;
  ioLimit: string[];
  isolate?: string[];
  label: Record<string, string>;
}

const NAMESPACES = ["pid", "network", "mount", "uts", "ipc", "cgroup"] as const;

function parseIsolation(text: string): string[] {
  const chosen = text === "all" ? [...NAMESPACES] : text.split(",").map((s) => s.trim());
  for (const ns of chosen) if (!(NAMESPACES as readonly string[]).includes(ns)) throw new InvalidArgumentError(`"${ns}" is not one of ${NAMESPACES.join(", ")}, all`);
  return chosen;
}

/** "/dev/vda:rbps=1M,wbps=2M,riops=100,wiops=100" */
function collectIoLimit(text: string, all: string[]): string[] {
  if (!/^[^:]+(:\d+)?:((rbps|wbps|riops|wiops)=[^,]+,?)+$/.test(text)) throw new InvalidArgumentError(`"${text}" is not DEVICE:rbps=N,wbps=N,riops=N,wiops=N`);
  return [...all, text];
}

function ioDevice(text: string): DeepPartial<NonNullable<CellSpec["io"]>["devices"][number]> {
  const at = text.lastIndexOf(":");
  const values = Object.fromEntries(text.slice(at + 1).split(",").filter(Boolean).map((kv) => kv.split("=") as [string, string]));
  const num = (key: string, size: boolean) => (values[key] === undefined ? undefined : size ? parseSize(values[key]) : BigInt(parseInteger(values[key])));
  return {
    device: text.slice(0, at),
    readBytesPerSecond: num("rbps", true),
    writeBytesPerSecond: num("wbps", true),
    readIops: num("riops", false),
    writeIops: num("wiops", false),
  };
}

function specFrom(name: string, o: LimitOptions): DeepPartial<CellSpec> {
  const big = (n: number | undefined): bigint | undefined => (n === undefined ? undefined : BigInt(n));
  const some = (...values: unknown[]): boolean => values.some((v) => v !== undefined);
  return {
    name,
    cpu: some(o.cpuQuotaUs, o.cpuPeriodUs, o.cpuWeight) ? { quotaUs: big(o.cpuQuotaUs), periodUs: big(o.cpuPeriodUs), weight: o.cpuWeight } : undefined,
    cpuset: some(o.cpusetCpus, o.cpusetMems) ? { cpus: o.cpusetCpus ?? "", mems: o.cpusetMems ?? "" } : undefined,
    memory: some(o.memoryMax, o.memoryHigh, o.memoryLow, o.memoryMin, o.swapMax)
      ? { maxBytes: o.memoryMax, highBytes: o.memoryHigh, lowBytes: o.memoryLow, minBytes: o.memoryMin, swapMaxBytes: o.swapMax }
      : undefined,
    pids: o.pidsMax === undefined ? undefined : { max: big(o.pidsMax) },
    io: some(o.ioWeight) || o.ioLimit.length > 0 ? { weight: o.ioWeight, devices: o.ioLimit.map(ioDevice) } : undefined,
    isolation: o.isolate && Object.fromEntries(o.isolate.map((ns) => [ns, true])),
    labels: o.label,
  };
}

function limitOptions(command: Command): Command {
  return addLabelOption(command, "cell")
    .option("--memory-max <size>", "hard memory limit, e.g. 64M", parseSize)
    .option("--memory-high <size>", "memory throttle limit (cgroup v2)", parseSize)
    .option("--memory-low <size>", "best-effort memory protection (cgroup v2)", parseSize)
    .option("--memory-min <size>", "hard memory protection (cgroup v2)", parseSize)
    .option("--swap-max <size>", "swap limit", parseSize)
    .option("--cpu-quota-us <us>", "cpu time per period, in microseconds", parseInteger)
    .option("--cpu-period-us <us>", "cpu period, in microseconds (default 100000)", parseInteger)
    .option("--cpu-weight <1-10000>", "cpu share against siblings (default 100)", parseInteger)
    .option("--cpuset-cpus <list>", 'cpus, e.g. "0-1,3"')
    .option("--cpuset-mems <list>", "memory nodes")
    .option("--pids-max <n>", "most tasks in the cell", parseInteger)
    .option("--io-weight <1-10000>", "io share against siblings", parseInteger)
    .option("--io-limit <device:limits>", "e.g. /dev/vda:rbps=10M,wiops=100 (repeatable)", collectIoLimit, []);
}

export function registerCells(program: Command): void {
  const cell = program.command("cell").description("allocate, inspect, limit, freeze and free cells");
  limitOptions(cell.command("allocate").description("create a cell with limits").argument("<name>", 'cell name, e.g. "web" or "web/api"'))
    .option("--isolate <namespaces>", `namespaces of a top-level cell: ${NAMESPACES.join(",")} or all`, parseIsolation)
    .action((name: string, opts: LimitOptions, command: Command) =>
      withClient(command, async (client) => {
        const { cell: allocated } = await client.cells.allocate({ spec: specFrom(name, opts) });
        printRows([{ item: allocated! }], CELL, outputOptions(command), true);
      }),
    );
  limitOptions(cell.command("update").description("replace the limits and labels of a live cell (those not given return to unlimited, or go)").argument("<name>"))
    .option("--isolate <namespaces>", "the cell's namespaces, as allocated (they cannot change)", parseIsolation)
    .action((name: string, opts: LimitOptions, command: Command) =>
      withClient(command, async (client) => {
        const { cell: updated } = await client.cells.update({ spec: specFrom(name, opts) });
        printRows([{ item: updated! }], CELL, outputOptions(command), true);
      }),
    );
  cell
    .command("free")
    .description("remove a cell")
    .argument("<name>")
    .option("--stop", "stop its executables and free its child cells first")
    .option("--grace <duration>", "with --stop: wait before SIGKILL, e.g. 10s", parseDurationMs)
    .action((name: string, opts: { stop?: boolean; grace?: number }, command: Command) =>
      withClient(command, async (client) => {
        const free = () => client.cells.free({ name, stop: opts.stop ?? false, gracePeriodMs: opts.grace });
        const out = outputOptions(command);
        if (!opts.stop || !showsProgress(out)) return void (await free());
        await withProgress(out, `freeing ${name}: stopping its executables`, async (progress) => {
          // Free stops the whole tree in one call; counting its executables as they exit shows how far it got.
          const active = async () => (await listExecutables(client, name)).filter(isActive).length;
          const total = await active();
          const poll = setInterval(() => {
            void active().then((left) => progress.update(`freeing ${name}: ${total - Math.min(total, left)}/${total} executables stopped`), () => undefined);
          }, 200);
          try {
            await free();
          } finally {
            clearInterval(poll);
          }
        });
      }),
    );
  for (const [verb, description] of [["freeze", "stop every process in the cell until thaw"], ["thaw", "resume a frozen cell"]] as const)
    cell
      .command(verb)
      .description(description)
      .argument("<name>")
      .action((name: string, _opts, command: Command) =>
        withClient(command, async (client) => printRows([{ item: (await client.cells[verb]({ name })).cell! }], CELL, outputOptions(command), true)),
      );
  cell
    .command("stats")
    .description("resource usage of a cell and everything below it")
    .argument("<name>")
    .action(async (name: string, _opts, command: Command) => {
      const rows = await fanOut(command, async (client) => [{ name, stats: (await client.cells.stats({ name })).stats! }]);
      printRows(rows, STATS, outputOptions(command), true);
    });
  cell
    .command("get")
    .description("show one cell")
    .argument("<name>")
    .action(async (name: string, _opts, command: Command) => {
      const rows = await fanOut(command, async (client) => [(await client.cells.get({ name })).cell!]);
      printRows(rows, CELL, outputOptions(command), true);
    });
  addSelectorOptions(addWatchOptions(cell.command("list").description("list cells (under a cell: it and the cells below it)")))
    .argument("[cell]", 'only this cell and the cells below it ("web" lists web and web/api, not webapp)')
    .action(async (under: string | undefined, opts: WatchOptions & SelectorOptions, command: Command) => {
      const read = (client: AuraeClient) => listCells(client, under, opts.selector);
      const printer = withLabels(CELL, opts.showLabels, (c) => c.spec?.labels);
      if (opts.watch) return watchRows(command, printer, opts.interval, read);
      printRows(await fanOut(command, read), printer, outputOptions(command));
    });
}
