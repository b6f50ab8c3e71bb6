// What `aer status` with no target shows: the node at a glance, as `systemctl status` with no unit does. Read from
// the RPCs every client has (health, NodeService.Info, cell, executable and event lists); nothing of its own.
import type { AuraeClient } from "../../client/connect.js";
import { Event } from "../../gen/aurae/events/v1/events.js";
import { Executable, ExecutableState } from "../../gen/aurae/executables/v1/executables.js";
import { InfoResponse } from "../../gen/aurae/node/v1/node.js";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/grpc/health/v1/health.js";
import { protoJson } from "../output.js";
import { PAGE_SIZE } from "../pages.js";
import { formatDuration } from "../units.js";
import { listCells } from "./cells.js";
import { describeEvent } from "./events.js";
import { describeExit, listExecutables, qualifiedName, STATE_NAMES } from "./executables.js";
import { CGROUPS } from "./version.js";

const RECENT_EVENTS = 10;
/** The order states are counted in: what runs first, what ended last. */
const STATE_ORDER = ["running", "stopping", "starting", "backoff", "exited"];

export interface NodeOverview {
  readonly health: string;
  readonly info: InfoResponse;
  readonly cells: { readonly total: number; readonly frozen: number };
  /** Executables by state name ("running": 3). */
  readonly executables: Readonly<Record<string, number>>;
  /** Executables whose last run failed (a non-zero code, a signal, lost) and that are exited or waiting to restart. */
  readonly failed: readonly Executable[];
  readonly events: readonly Event[];
}

export async function readNodeOverview(client: AuraeClient): Promise<NodeOverview> {
  const [{ status }, info, cells, executables, events] = await Promise.all([
    client.health.check({ service: "" }, { deadline: 10_000 }),
    client.node.info({}, { deadline: 10_000 }),
    listCells(client),
    listExecutables(client),
    recentEvents(client),
  ]);
  const stateOf = (x: Executable) => STATE_NAMES[x.status?.state ?? ExecutableState.EXECUTABLE_STATE_UNSPECIFIED];
  const byState: Record<string, number> = {};
  for (const state of [...STATE_ORDER, ...executables.map(stateOf)]) {
    const n = executables.filter((x) => stateOf(x) === state).length;
    if (n > 0) byState[state] = n;
  }
  return {
    health: ServingStatus[status] ?? String(status),
    info,
    cells: { total: cells.length, frozen: cells.filter((c) => c.status?.frozen).length },
    executables: byState,
    failed: executables.filter(hasFailed),
    events,
  };
}

export function nodeOverviewJson(o: NodeOverview): object {
  return {
    kind: "node",
    health: o.health,
    node: protoJson(InfoResponse, o.info),
    cells: o.cells,
    executables: o.executables,
    failed: o.failed.map((x) => protoJson(Executable, x)),
    events: o.events.map((e) => protoJson(Event, e)),
  };
}

/** The key-value lines of the overview, then the failed executables and the recent events as blocks. */
export function describeNodeOverview(o: NodeOverview, dot: (healthy: boolean) => string): string {
  const { info } = o;
  const states = Object.entries(o.executables).map(([state, n]) => `${n} ${state}`);
  const total = Object.values(o.executables).reduce((sum, n) => sum + n, 0);
  const lines: [string, string][] = [
    ["Health", o.health],
    ["Daemon", `auraed ${info.version}, pid ${info.pid}, up ${formatDuration(Number(info.uptimeMs))}`],
    ["Kernel", `${info.kernelRelease}, cgroup ${CGROUPS[info.cgroupMode]}, node up ${formatDuration(Number(info.nodeUptimeMs))}`],
    ["Cells", `${o.cells.total}${o.cells.frozen ? ` (${o.cells.frozen} frozen)` : ""}`],
    ["Executables", `${total}${states.length ? ` (${states.join(", ")})` : ""}`],
    ["Failed", o.failed.length ? o.failed.map((x) => `${qualifiedName(x)} (${describeExit(x)})`).join(", ") : "none"],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  let text = `${dot(o.health === "SERVING")} ${info.hostname} - ${o.health === "SERVING" ? "serving" : o.health.toLowerCase()}\n`;
  text += lines.map(([k, v]) => `  ${k.padStart(width)}: ${v}`).join("\n");
  if (o.events.length) text += `\n\nRecent events:\n${o.events.map((e) => `  ${describeEvent(e)}`).join("\n")}`;
  return `${text}\n`;
}

const hasFailed = (x: Executable): boolean => {
  const { state, exit } = x.status ?? {};
  if (state !== ExecutableState.EXECUTABLE_STATE_EXITED && state !== ExecutableState.EXECUTABLE_STATE_BACKOFF) return false;
  return exit !== undefined && (exit.lost || exit.oomKilled || exit.signal !== undefined || (exit.code ?? 0) !== 0);
};

/**
 * The newest events. The event log lists oldest first and has no way to ask for the newest, so this reads it
 * through, keeping only the last few: the cost grows with the log's retention (100000 events by default).
 */
async function recentEvents(client: AuraeClient): Promise<Event[]> {
  let kept: Event[] = [];
  let pageToken = "";
  do {
    const page = await client.events.list({ pageSize: PAGE_SIZE, pageToken, cellName: "", kinds: [] });
    kept = [...kept, ...page.events].slice(-RECENT_EVENTS);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return kept;
}
