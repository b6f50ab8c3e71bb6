// --watch on lists: print the list, then again whenever it changes, until Ctrl-C (exit 130). A change is noticed at
// once from the node's event stream (every change to cells and executables is an event) and, failing that, by
// reading again every --interval. On a terminal a table is redrawn in place; piped, each new version follows the
// last (tables after a blank line, JSON as one array a line, YAML as one document each).
import type { Command } from "commander";
import type { AuraeClient } from "../client/connect.js";
import { openClients, outputOptions, readEach } from "./context.js";
import { untilInterrupted } from "./follow.js";
import { encodeRecord, formatRows, jsonValues, type Printer } from "./output.js";
import { ANSI } from "./terminal.js";
import { durationOption, formatDuration } from "./units.js";

export interface WatchOptions {
  readonly watch?: boolean;
  readonly interval: number;
}

export const addWatchOptions = (command: Command): Command =>
  command
    .option("-w, --watch", "keep the list on screen, printing it again whenever it changes (Ctrl-C ends)")
    .addOption(durationOption("--interval <duration>", "with --watch: also read again this often", 2000));

export async function watchRows<T>(
  command: Command,
  printer: Printer<T>,
  intervalMs: number,
  read: (client: AuraeClient, node: string | undefined) => Promise<T[]>,
): Promise<void> {
  const out = outputOptions(command);
  const clients = await openClients(command);
  const redraw = process.stdout.isTTY === true && out.format === "table" && !out.quiet;
  try {
    await untilInterrupted(async (stop) => {
      let wake = () => {};
      for (const { client } of clients) void wakeOnEvents(client, stop, () => wake());
      let last: string | undefined;
      while (!stop.aborted) {
        const rows = await readEach(clients, read);
        const text = out.quiet || out.format === "table" ? formatRows(rows, printer, out) : encodeRecord(jsonValues(rows, printer), out.format);
        if (text !== last) {
          if (redraw) process.stdout.write(`${ANSI.home}${ANSI.clearScreen}every ${formatDuration(intervalMs)}, and on change: aer ${process.argv.slice(2).join(" ")}  ${new Date().toISOString()}\n\n${text}`);
          else process.stdout.write(last === undefined || !(out.quiet || out.format === "table") ? text : `\n${text}`);
          last = text;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalMs);
          const done = () => (clearTimeout(timer), resolve());
          wake = done;
          stop.addEventListener("abort", done, { once: true });
        });
      }
    });
  } finally {
    for (const { client } of clients) client.close();
  }
}

/** Calls `wake` on every batch of events; a node whose event stream fails is still read every interval. */
async function wakeOnEvents(client: AuraeClient, signal: AbortSignal, wake: () => void): Promise<void> {
  try {
    for await (const _batch of client.events.watch({ fromNow: true, follow: true }, { signal })) wake();
  } catch {
    // Polling goes on; the read itself reports a node that is gone.
  }
}
