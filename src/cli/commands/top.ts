// `aer top`: cells and, under each, its executables with their own cpu, memory and pids, refreshed in place like
// systemd-cgtop, busiest cell first. Plain ANSI on the alternate screen, so it works in any terminal and over SSH; q or Ctrl-C quits.
// Not on a terminal, or with -o json|yaml, it prints one frame per interval (with --once, one frame) instead.
import type { Command } from "commander";
import type { AuraeClient } from "../../client/connect.js";
import type { Cell, CellStats } from "../../gen/aurae/cells/v1/cells.js";
import { ExecutableState, type Executable, type ExecutableStats } from "../../gen/aurae/executables/v1/executables.js";
import { openClients, outputOptions, type NodeClient } from "../context.js";
import { EXIT } from "../exit-codes.js";
import { describeFailure } from "../failure.js";
import { untilInterrupted } from "../follow.js";
import { encode, encodeRecord, table, type OutputOptions } from "../output.js";
import { ANSI, terminalSize } from "../terminal.js";
import { durationOption, formatUsage } from "../units.js";
import { listCells } from "./cells.js";
import { listExecutables, STATE_NAMES } from "./executables.js";

/** One line of the view: a cell, or an executable under its cell (usage only while it has a process). */
interface TopRow {
  readonly node?: string;
  readonly cell: string;
  readonly executable?: string;
  readonly state: string;
  readonly pid?: number;
  readonly cpuPercent?: number;
  readonly memoryBytes?: number;
  readonly memoryPeakBytes?: number;
  readonly pids?: number;
  readonly restarts?: number;
}

interface Frame {
  readonly rows: TopRow[];
  /** One line per node that failed to answer. */
  readonly errors: { readonly node: string | undefined; readonly message: string; readonly exitCode: number }[];
}

/** The cpu time each cell and executable had used at the previous sample, to turn into a rate. */
type Samples = Map<string, { readonly at: number; readonly cpuUs: number }>;

export function registerTop(program: Command): void {
  program
    .command("top")
    .description("a live view of cells and their executables, each with its cpu %, memory and pids, busiest first (q quits)")
    .addOption(durationOption("--interval <duration>", "time between refreshes", 1000))
    .option("--once", "print one frame (cpu % measured over one interval) and exit")
    .action(async (opts: { interval: number; once?: boolean }, command: Command) => {
      const out = outputOptions(command);
      const clients = await openClients(command);
      try {
        const interactive = !opts.once && process.stdout.isTTY === true && process.stdin.isTTY === true && out.format === "table";
        await (interactive ? runInteractive(clients, opts.interval) : runBatch(clients, opts.interval, out, opts.once ?? false));
      } finally {
        for (const { client } of clients) client.close();
      }
    });
}

async function runBatch(clients: readonly NodeClient[], intervalMs: number, out: OutputOptions, once: boolean): Promise<void> {
  const samples: Samples = new Map();
  await sample(clients, samples); // cpu % needs two samples: the first frame would have none
  await untilInterrupted(async (signal) => {
    while (!signal.aborted) {
      await sleep(intervalMs, signal);
      const frame = await sample(clients, samples);
      for (const e of frame.errors) {
        process.stderr.write(`aer: ${e.node ? `node ${e.node}: ` : ""}${e.message}\n`);
        process.exitCode ||= e.exitCode;
      }
      if (out.quiet) process.stdout.write(frame.rows.map((r) => `${r.node ? `${r.node}\t` : ""}${r.executable ? `${r.cell}/${r.executable}` : r.cell}\n`).join(""));
      else if (out.format === "table") process.stdout.write(`${once ? "" : `${header(frame)}\n`}${render(frame.rows)}${once ? "" : "\n"}`);
      else process.stdout.write(once ? encode(frame.rows, out.format) : encodeRecord(frame.rows, out.format));
      if (once) break;
    }
  });
}

async function runInteractive(clients: readonly NodeClient[], intervalMs: number): Promise<void> {
  const samples: Samples = new Map();
  const stop = new AbortController();
  const onKey = (key: Buffer) => {
    // q, Q, Esc quit; Ctrl-C (raw mode delivers it as a byte instead of a signal) too, exiting 130 as if signalled.
    if (key[0] === 0x03) process.exitCode ||= EXIT.interrupted;
    if ([0x71, 0x51, 0x03, 0x1b].includes(key[0]!)) stop.abort();
  };
  let last: Frame | undefined;
  const draw = () => last && process.stdout.write(screen(last));
  process.stdin.setRawMode(true);
  process.stdin.on("data", onKey);
  process.stdout.on("resize", draw);
  process.stdout.write(ANSI.altScreenOn + ANSI.cursorHide);
  try {
    last = await sample(clients, samples);
    draw();
    while (!stop.signal.aborted) {
      await sleep(intervalMs, stop.signal);
      if (stop.signal.aborted) break;
      last = await sample(clients, samples);
      draw();
    }
  } finally {
    process.stdout.write(ANSI.cursorShow + ANSI.altScreenOff);
    process.stdout.off("resize", draw);
    process.stdin.off("data", onKey);
    process.stdin.setRawMode(false);
    process.stdin.pause();
  }
}

/** Reads every node; a node that fails shows as an error line and is tried again next time. */
async function sample(clients: readonly NodeClient[], samples: Samples): Promise<Frame> {
  const frames = await Promise.all(
    clients.map(async ({ node, client }): Promise<Frame> => {
      try {
        return { rows: await rowsOf(client, node, samples), errors: [] };
      } catch (err) {
        return { rows: [], errors: [{ node, ...describeFailure(err) }] };
      }
    }),
  );
  return { rows: sortByCpu(frames.flatMap((f) => f.rows)), errors: frames.flatMap((f) => f.errors) };
}

async function rowsOf(client: AuraeClient, node: string | undefined, samples: Samples): Promise<TopRow[]> {
  const [cells, executables] = await Promise.all([listCells(client), listExecutables(client)]);
  // A cell freed between the list and its stats has no stats: it is left out of this frame.
  const stats = await Promise.all(cells.map((c) => client.cells.stats({ name: c.spec?.name ?? "" }).then((r) => r.stats, () => undefined)));
  // One without a process (exited, or exiting between the list and its stats) has no usage: its row shows none.
  const own = await Promise.all(
    executables.map((x) => (hasProcess(x) ? client.executables.stats({ cellName: x.spec?.cellName ?? "", name: x.spec?.name ?? "" }).then((r) => r.stats, () => undefined) : undefined)),
  );
  const rows: TopRow[] = [];
  cells.forEach((cell, i) => {
    const s = stats[i];
    if (!s) return;
    rows.push(cellRow(cell, s, node, samples));
    executables.forEach((x, j) => x.spec?.cellName === cell.spec?.name && rows.push(executableRow(x, own[j], node, samples)));
  });
  return rows;
}

const hasProcess = (x: Executable): boolean =>
  x.status?.state === ExecutableState.EXECUTABLE_STATE_RUNNING || x.status?.state === ExecutableState.EXECUTABLE_STATE_STOPPING;

const cellRow = (cell: Cell, s: CellStats, node: string | undefined, samples: Samples): TopRow => ({
  ...(node === undefined ? {} : { node }),
  cell: cell.spec?.name ?? "",
  state: cell.status?.frozen ? "frozen" : "active",
  ...usage(`${node ?? ""}\0${cell.spec?.name}`, s, samples),
});

const executableRow = (x: Executable, s: ExecutableStats | undefined, node: string | undefined, samples: Samples): TopRow => ({
  ...(node === undefined ? {} : { node }),
  cell: x.spec?.cellName ?? "",
  executable: x.spec?.name ?? "",
  state: STATE_NAMES[x.status?.state ?? ExecutableState.EXECUTABLE_STATE_UNSPECIFIED],
  ...(x.status?.pid ? { pid: x.status.pid } : {}),
  // A run of its own: a restart (a new pid) starts its counters over, so the sample is per pid.
  ...(s && usage(`${node ?? ""}\0${x.spec?.cellName}\0${x.spec?.name}\0${x.status?.pid}`, s, samples)),
  restarts: x.status?.restartCount ?? 0,
});

/** cpu % since the previous sample of `key` (none at the first), memory and pids. */
function usage(key: string, s: CellStats | ExecutableStats, samples: Samples): Pick<TopRow, "cpuPercent" | "memoryBytes" | "memoryPeakBytes" | "pids"> {
  const now = performance.now();
  const cpuUs = Number(s.cpuUsageUs);
  const before = samples.get(key);
  samples.set(key, { at: now, cpuUs });
  const cpuPercent = before && now > before.at ? Math.max(0, ((cpuUs - before.cpuUs) / ((now - before.at) * 1000)) * 100) : undefined;
  return {
    cpuPercent: cpuPercent === undefined ? undefined : Math.round(cpuPercent * 10) / 10,
    memoryBytes: Number(s.memoryCurrentBytes),
    memoryPeakBytes: Number(s.memoryPeakBytes),
    pids: Number(s.pidsCurrent),
  };
}

/** Cells by cpu, busiest first (then by name), each followed by its executables, busiest first too. */
function sortByCpu(rows: TopRow[]): TopRow[] {
  const busiest = (a: TopRow, b: TopRow) => (b.cpuPercent ?? 0) - (a.cpuPercent ?? 0) || `${a.node}${a.cell}${a.executable}`.localeCompare(`${b.node}${b.cell}${b.executable}`);
  const cells = rows.filter((r) => r.executable === undefined).sort(busiest);
  return cells.flatMap((c) => [c, ...rows.filter((r) => r.executable !== undefined && r.cell === c.cell && r.node === c.node).sort(busiest)]);
}

function render(rows: readonly TopRow[]): string {
  const fanned = rows.some((r) => r.node !== undefined);
  const dash = (v: number | undefined, f: (n: number) => string) => (v === undefined ? "-" : f(v));
  return table(
    [...(fanned ? ["NODE"] : []), "CELL / EXECUTABLE", "STATE", "PID", "CPU%", "MEMORY", "PEAK", "PIDS", "RESTARTS"],
    rows.map((r) => [
      ...(fanned ? [r.node ?? ""] : []),
      r.executable === undefined ? r.cell : `  ${r.executable}`,
      r.state,
      dash(r.pid, String),
      dash(r.cpuPercent, (n) => n.toFixed(1)),
      dash(r.memoryBytes, formatUsage),
      dash(r.memoryPeakBytes, formatUsage),
      dash(r.pids, String),
      dash(r.restarts, String),
    ]),
  );
}

function header(frame: Frame): string {
  const cells = frame.rows.filter((r) => r.executable === undefined);
  const cpu = cells.filter((r) => !r.cell.includes("/")).reduce((sum, r) => sum + (r.cpuPercent ?? 0), 0);
  return `aer top  ${new Date().toISOString().slice(11, 19)}  ${cells.length} cells, ${frame.rows.length - cells.length} executables, cpu ${cpu.toFixed(1)}%`;
}

/** The whole screen: header, errors, the table cut to the terminal's size. */
function screen(frame: Frame): string {
  const { columns, rows } = terminalSize();
  const lines = [
    `${header(frame)}   (q quits, busiest first)`,
    ...frame.errors.map((e) => `aer: ${e.node ? `node ${e.node}: ` : ""}${e.message}`),
    "",
    ...render(frame.rows).trimEnd().split("\n"),
  ];
  return `${ANSI.home}${lines.slice(0, rows).map((l) => `${l.slice(0, columns)}${ANSI.clearLineEnd}`).join("\r\n")}${ANSI.clearToEnd}`;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
