import type { Command } from "commander";
import { Event } from "../../gen/aurae/events/v1/events.js";
import { withClient } from "../context.js";
import { parseInteger } from "../units.js";

interface EventsOptions {
  follow?: boolean;
  after?: number;
  fromNow?: boolean;
  cell?: string;
  kind: string[];
}

const describe = (e: Event): string =>
  [
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
    .option("-f, --follow", "keep printing events as they are recorded")
    .option("--after <sequence>", "only events after this sequence (resume where you stopped)", parseInteger)
    .option("--from-now", "skip the history")
    .option("--cell <cell>", "only events of this cell and the cells below it")
    .option("--kind <kind>", 'only this kind, or a prefix such as "executable." (repeatable)', (k: string, all: string[]) => [...all, k], [])
    .action((opts: EventsOptions, command: Command) =>
      withClient(command, async (client, { output }) => {
        const abort = new AbortController();
        process.once("SIGINT", () => abort.abort());
        const request = {
          afterSequence: BigInt(opts.after ?? 0),
          fromNow: opts.fromNow ?? false,
          follow: opts.follow ?? false,
          cellName: opts.cell ?? "",
          kinds: opts.kind,
        };
        try {
          for await (const { events } of client.events.watch(request, { signal: abort.signal }))
            for (const e of events) process.stdout.write(`${output === "json" ? JSON.stringify(Event.toJSON(e)) : describe(e)}\n`);
        } catch (err) {
          if (!abort.signal.aborted) throw err;
        }
      }),
    );
}
