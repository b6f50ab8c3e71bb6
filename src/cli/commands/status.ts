// `aer status <cell>[/<executable>]`: one resource the way systemctl status shows a unit: its state, what limits it,
// what it uses right now, its processes, how it last ended, and its last log lines. With no target: the node.
import type { Command } from "commander";
import type { AuraeClient } from "../../client/connect.js";
import { AuraeClientError } from "../../client/errors.js";
import { Cell, CellStats, type CellSpec } from "../../gen/aurae/cells/v1/cells.js";
import { Executable, ExecutableState, ExecutableStats, RestartMode } from "../../gen/aurae/executables/v1/executables.js";
import { ListProcessesResponse, LogEntry, LogStream, Process } from "../../gen/aurae/observe/v1/observe.js";
import { fanOut, outputOptions } from "../context.js";
import { encode, formatRows, protoJson, type OutputOptions, type Row } from "../output.js";
import { processTreeLines } from "../process-tree.js";
import { painter } from "../terminal.js";
import { formatAge, formatBytes, formatUsage } from "../units.js";
import { listCells } from "./cells.js";
import { describeExit, describeState, EXECUTABLE, listExecutables, qualifiedName, STATE_NAMES } from "./executables.js";
import { describeNodeOverview, nodeOverviewJson, readNodeOverview, type NodeOverview } from "./node-overview.js";

const LOG_LINES = 10;

type Status =
  | {
      readonly kind: "executable";
      readonly executable: Executable;
      readonly cell: Cell;
      /** Absent when it has no process. */
      readonly stats: ExecutableStats | undefined;
      readonly processes: ListProcessesResponse;
      readonly logs: LogEntry[];
    }
  | {
      readonly kind: "cell";
      readonly cell: Cell;
      readonly stats: CellStats;
      readonly executables: Executable[];
      readonly cells: string[];
      readonly processes: ListProcessesResponse;
      readonly logs: LogEntry[];
    }
  | { readonly kind: "node"; readonly overview: NodeOverview };

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description(
      `show a cell or an executable: state, pid, limits, usage, processes, restarts, last exit and the last ${LOG_LINES} log lines (-q: the state only); ` +
        "with no target the node: health, versions, cgroup mode, counts, failed executables and recent events",
    )
    .argument("[target]", 'a cell ("web", "web/api") or an executable in it ("web/hello"); an executable wins when both exist')
    .action(async (target: string | undefined, _opts, command: Command) => {
      const out = outputOptions(command);
      const rows = await fanOut(command, async (client) => [await readStatus(client, target)]);
      process.stdout.write(formatStatus(rows, out));
    });
}

async function readStatus(client: AuraeClient, target: string | undefined): Promise<Status> {
  if (target === undefined) return { kind: "node", overview: await readNodeOverview(client) };
  const slash = target.lastIndexOf("/");
  if (slash > 0) {
    const [cellName, name] = [target.slice(0, slash), target.slice(slash + 1)];
    const executable = await client.executables.get({ cellName, name }).then((r) => r.executable, orUndefinedOn("not-found"));
    if (executable) {
      const [{ cell }, stats, processes, logs] = await Promise.all([
        client.cells.get({ name: cellName }),
        client.executables.stats({ cellName, name }).then((r) => r.stats, orUndefinedOn("precondition")),
        client.observe.listProcesses({ cellName, executableName: name }),
        lastLines(client, cellName, name),
      ]);
      return { kind: "executable", executable, cell: cell!, stats, processes, logs };
    }
  }
  const [{ cell }, { stats }, executables, cells, processes, logs] = await Promise.all([
    client.cells.get({ name: target }),
    client.cells.stats({ name: target }),
    listExecutables(client, target),
    listCells(client, target),
    client.observe.listProcesses({ cellName: target, executableName: "" }),
    lastLines(client, target, ""),
  ]);
  const nested = cells.map((c) => c.spec?.name ?? "").filter((n) => n !== target);
  return { kind: "cell", cell: cell!, stats: stats!, executables, cells: nested, processes, logs };
}

/** A rejection handler: undefined for an answer with error code `code` (an expected absence), else the error. */
const orUndefinedOn =
  (code: AuraeClientError["code"]) =>
  (err: unknown): undefined => {
    if (err instanceof AuraeClientError && err.code === code) return undefined;
    throw err;
  };

async function lastLines(client: AuraeClient, cellName: string, executableName: string): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const batch of client.observe.getLogs({ cellName, executableName, tail: LOG_LINES })) entries.push(...batch.entries);
  return entries.slice(-LOG_LINES);
}

function formatStatus(rows: readonly Row<Status>[], out: OutputOptions): string {
  if (out.quiet) return rows.map(({ node, item }) => `${node ? `${node}\t` : ""}${stateWord(item)}\n`).join("");
  if (out.format !== "table") {
    const values = rows.map(({ node, item }) => ({ ...(node === undefined ? {} : { node }), ...statusJson(item) }));
    return encode(rows.length === 1 && rows[0]!.node === undefined ? values[0] : values, out.format);
  }
  return rows.map(({ node, item }) => `${node ? `node ${node}\n` : ""}${describe(item)}`).join("\n");
}

function statusJson(s: Status): object {
  if (s.kind === "node") return nodeOverviewJson(s.overview);
  const logs = s.logs.map((e) => ({ ...(protoJson(LogEntry, e) as object), text: e.line.toString("utf8") }));
  const common = { cell: protoJson(Cell, s.cell), processes: s.processes.processes.map((p) => protoJson(Process, p)), logs };
  if (s.kind === "executable")
    return { kind: s.kind, executable: protoJson(Executable, s.executable), ...common, ...(s.stats && { stats: protoJson(ExecutableStats, s.stats) }) };
  return { kind: s.kind, ...common, stats: protoJson(CellStats, s.stats), executables: s.executables.map((x) => protoJson(Executable, x)), cells: s.cells };
}

function stateWord(s: Status): string {
  if (s.kind === "node") return s.overview.health === "SERVING" ? "serving" : s.overview.health.toLowerCase();
  return s.kind === "executable" ? STATE_NAMES[s.executable.status?.state ?? ExecutableState.EXECUTABLE_STATE_UNSPECIFIED] : s.cell.status?.frozen ? "frozen" : "active";
}

const paint = painter(process.stdout);

function describe(s: Status): string {
  if (s.kind === "node") return describeNodeOverview(s.overview, (healthy) => (healthy ? paint("green", "●") : paint("red", "●")));
  const word = stateWord(s);
  const dot = word === "running" || word === "active" ? paint("green", "●") : word === "backoff" || word === "frozen" ? paint("yellow", "●") : "○";
  const lines: [string, string][] = [];
  if (s.kind === "executable") {
    const { spec, status } = s.executable;
    lines.push(["Command", (spec?.argv ?? []).join(" ")]);
    lines.push(["State", `${describeState(s.executable)}${status?.startedAt ? `, started ${status.startedAt.toISOString()} (${formatAge(status.startedAt)} ago)` : ""}`]);
    lines.push(["Restarts", `${status?.restartCount ?? 0} (policy ${restartPolicy(s.executable)})${status?.nextRestartAt ? `, next at ${status.nextRestartAt.toISOString()}` : ""}`]);
    if (status?.exit) lines.push(["Last exit", `${describeExit(s.executable)}${status.exitedAt ? ` at ${status.exitedAt.toISOString()}` : ""}`]);
    lines.push(["Cell", `${s.cell.spec?.name} (${describeLimits(s.cell.spec)})`]);
  } else {
    lines.push(["Created", `${s.cell.status?.createdAt?.toISOString() ?? "-"} (${formatAge(s.cell.status?.createdAt)} ago)`]);
    lines.push(["Limits", describeLimits(s.cell.spec)]);
    const isolated = Object.entries(s.cell.spec?.isolation ?? {}).filter(([, on]) => on).map(([ns]) => ns);
    lines.push(["Isolation", isolated.length ? isolated.join(", ") : "none"]);
    if (s.cells.length) lines.push(["Cells", s.cells.join(", ")]);
    lines.push(["Executables", `${s.executables.length} (${s.executables.filter((x) => x.status?.state === ExecutableState.EXECUTABLE_STATE_RUNNING).length} running)`]);
  }
  lines.push(["Usage", s.stats ? describeUsage(s.stats) : "-"]);
  const { processes, omitted } = s.processes;
  lines.push(["Processes", `${processes.length + omitted}`]);
  const width = Math.max(...lines.map(([k]) => k.length));
  const cell = s.cell.spec?.name ?? "";
  // A cell's processes under each executable, named relative to the cell ("web", "inner/db").
  const group = s.kind === "cell" ? (p: Process) => `${p.cellName === cell ? "" : `${p.cellName.slice(cell.length + 1)}/`}${p.executableName}` : undefined;
  const tree = [...processTreeLines(processes, group), ...(omitted ? [`… and ${omitted} more`] : [])].map((l) => `  ${" ".repeat(width + 2)}${l}`);
  const name = s.kind === "executable" ? qualifiedName(s.executable) : cell;
  let text = `${dot} ${paint("bold", name)} - ${word}\n${[...lines.map(([k, v]) => `  ${k.padStart(width)}: ${v}`), ...tree].join("\n")}\n`;
  if (s.kind === "cell" && s.executables.length)
    text += `\n${formatRows(s.executables.map((item) => ({ item })), EXECUTABLE, { format: "table", quiet: false }).replace(/^(?=.)/gm, "  ")}`;
  if (s.logs.length) text += `\n${s.logs.map((e) => describeLogLine(e)).join("\n")}\n`;
  return text;
}

function restartPolicy(x: Executable): string {
  const restart = x.spec?.restart;
  const modes: Partial<Record<RestartMode, string>> = { [RestartMode.RESTART_MODE_ON_FAILURE]: "on-failure", [RestartMode.RESTART_MODE_ALWAYS]: "always" };
  const mode = modes[restart?.mode ?? RestartMode.RESTART_MODE_NO] ?? "no";
  return mode !== "no" && restart?.maxRestarts ? `${mode}, at most ${restart.maxRestarts}` : mode;
}

/** "memory max 64M, cpu 20000/100000us, pids max 100", or "none". */
export function describeLimits(spec: CellSpec | undefined): string {
  if (!spec) return "none";
  const parts = [
    spec.memory?.maxBytes !== undefined && `memory max ${formatBytes(spec.memory.maxBytes)}`,
    spec.memory?.highBytes !== undefined && `memory high ${formatBytes(spec.memory.highBytes)}`,
    spec.memory?.swapMaxBytes !== undefined && `swap max ${formatBytes(spec.memory.swapMaxBytes)}`,
    spec.cpu?.quotaUs !== undefined && `cpu ${spec.cpu.quotaUs}/${spec.cpu.periodUs ?? 100000n}us`,
    spec.cpu?.weight !== undefined && `cpu weight ${spec.cpu.weight}`,
    spec.cpuset?.cpus && `cpus ${spec.cpuset.cpus}`,
    spec.pids?.max !== undefined && `pids max ${spec.pids.max}`,
    spec.io?.weight !== undefined && `io weight ${spec.io.weight}`,
    spec.io?.devices.length && `io limits on ${spec.io.devices.map((d) => d.device).join(", ")}`,
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : "none";
}

const describeUsage = (s: CellStats | ExecutableStats): string =>
  `cpu ${(Number(s.cpuUsageUs) / 1e6).toFixed(2)}s, memory ${formatUsage(s.memoryCurrentBytes)} (peak ${formatUsage(s.memoryPeakBytes)}), ` +
  `pids ${s.pidsCurrent}, oom kills ${s.oomKills}, io ${formatUsage(s.ioReadBytes)} read / ${formatUsage(s.ioWriteBytes)} written`;

function describeLogLine(e: LogEntry): string {
  const time = new Date(Number(e.timeUnixNano / 1_000_000n)).toISOString().replace(/\.\d+Z$/, "Z");
  const line = `${time} ${e.executableName}: ${e.line.toString("utf8")}`;
  return e.stream === LogStream.LOG_STREAM_STDERR ? paint("red", line) : line;
}
