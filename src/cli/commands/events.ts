import type { Command } from "commander";
import { Event } from "../../gen/aurae/events/v1/events.js";
import { printRecords } from "../print-records.js";
import { parseInteger, parseTime } from "../units.js";

interface EventsOptions {
  follow?: boolean;
  after?: number;
  fromNow?: boolean;
  since?: Date;
  cell?: string;
  kind: string[];
  selector?: string;
}

/** One event as a line: sequence, time, kind, cell/executable and attributes (after the node, when given). */
export const describeEvent = (e: Event, node?: string): string =>
  [
    ...(node === undefined ? [] : [node]),
    String(e.sequence).padStart(8),
    e.time?.toISOString() ?? "",
    e.kind.padEnd(22),
    [e.cellName, e.executableName].filter(Boolean).join("/"),
    Object.entries(e.attributes).map(([k, v]) => `${k}=${v}`).join(" "),
  ].join("  ").trimEnd();

export function registerEvents(program: Command): void {
  program
    .command("events")
    .description("print the node's event log, oldest first (with -f, then every new event)")
    .option("-f, --follow", "keep printing events as they are recorded (Ctrl-C ends)")
    .option("--after <sequence>", "only events after this sequence (resume where you stopped)", parseInteger)
    .option("--from-now", "skip the history")
    .option("--since <time>", "only events recorded since a time or an age: 10m, -1h, 2026-11-24T22:00:00Z", (t: string) => parseTime(t))
    .option("--cell <cell>", "only events of this cell and the cells below it")
    .option("--kind <kind>", 'only this kind, or a prefix such as "executable." (repeatable)', (k: string, all: string[]) => [...all, k], [])
    .option("-l, --selector <selector>", "only events whose cell or executable had matching labels, e.g. app=web,tier!=db")
    .action(async (opts: EventsOptions, command: Command) => {
      const request = {
        afterSequence: BigInt(opts.after ?? 0),
        fromNow: opts.fromNow ?? false,
        follow: opts.follow ?? false,
        cellName: opts.cell ?? "",
        kinds: opts.kind,
        labelSelector: opts.selector ?? "",
      };
      // The event log has no time index: --since skips older events here, as they arrive in sequence order.
      const wanted = (e: Event) => !opts.since || (e.time !== undefined && e.time >= opts.since);
      await printRecords(command, {
        read: async function* (client, signal) {
          for await (const { events } of client.events.watch(request, { signal })) yield events.filter(wanted);
        },
        line: describeEvent,
        sequence: (record) => record.sequence,
        type: Event,
      });
    });
}
