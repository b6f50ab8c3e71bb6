import { InvalidArgumentError, type Command } from "commander";
import { LogEntry, LogStream } from "../../gen/aurae/observe/v1/observe.js";
import { withClient } from "../context.js";
import { parseInteger, parseTime } from "../units.js";

interface LogsOptions {
  follow?: boolean;
  tail?: number;
  since?: Date;
  until?: Date;
  stream?: LogStream;
  cursor?: string;
  prefix?: boolean;
}

function parseStream(text: string): LogStream {
  if (text === "stdout") return LogStream.LOG_STREAM_STDOUT;
  if (text === "stderr") return LogStream.LOG_STREAM_STDERR;
  throw new InvalidArgumentError(`"${text}" is neither stdout nor stderr`);
}

export function registerLogs(program: Command): void {
  program
    .command("logs")
    .description("print what an executable, or every executable of a cell, wrote to stdout and stderr, in time order")
    .argument("<cell>")
    .argument("[name]", "one executable; without it, the whole cell merged")
    .option("-f, --follow", "keep printing new lines as they are written")
    .option("-n, --tail <n>", "start with only the last n lines", parseInteger)
    .option("--since <time>", "only lines since a time or an age (10m, 2026-11-24T22:00:00Z)", (t: string) => parseTime(t))
    .option("--until <time>", "only lines before a time or an age", (t: string) => parseTime(t))
    .option("--stream <stream>", "stdout or stderr only", parseStream)
    .option("--cursor <cursor>", "resume after the cursor a -o json line printed")
    .option("--prefix", "prefix each line with its executable's name (default for a whole cell)")
    .action((cell: string, name: string | undefined, opts: LogsOptions, command: Command) =>
      withClient(command, async (client, { output }) => {
        const abort = new AbortController();
        process.once("SIGINT", () => abort.abort());
        const stream = client.observe.getLogs(
          {
            cellName: cell,
            executableName: name ?? "",
            follow: opts.follow ?? false,
            tail: opts.tail,
            since: opts.since,
            until: opts.until,
            streams: opts.stream === undefined ? [] : [opts.stream],
            cursor: opts.cursor ?? "",
          },
          { signal: abort.signal },
        );
        const prefix = opts.prefix ?? name === undefined;
        try {
          for await (const { entries, cursor } of stream)
            for (const entry of entries) writeEntry(entry, output === "json" ? cursor : undefined, prefix);
        } catch (err) {
          if (!abort.signal.aborted) throw err;
        }
      }),
    );
}

export function registerDaemonLog(program: Command): void {
  program
    .command("daemon-log")
    .description("print auraed's own structured log (JSON lines)")
    .option("-f, --follow", "keep printing new entries")
    .option("-n, --tail <n>", "start with only the last n entries", parseInteger)
    .option("--level <level>", "only entries at this level or above: trace, debug, info, warn, error, fatal")
    .option("--since <time>", "only entries since a time or an age (10m)", (t: string) => parseTime(t))
    .option("--until <time>", "only entries before a time or an age", (t: string) => parseTime(t))
    .action((opts: Omit<LogsOptions, "stream" | "prefix"> & { level?: string }, command: Command) =>
      withClient(command, async (client) => {
        const abort = new AbortController();
        process.once("SIGINT", () => abort.abort());
        const request = { level: opts.level ?? "", follow: opts.follow ?? false, tail: opts.tail, since: opts.since, until: opts.until, cursor: opts.cursor ?? "" };
        try {
          for await (const { entries } of client.observe.getDaemonLogs(request, { signal: abort.signal }))
            for (const entry of entries) process.stdout.write(Buffer.concat([entry.line, Buffer.from("\n")]));
        } catch (err) {
          if (!abort.signal.aborted) throw err;
        }
      }),
    );
}

/** One line per entry: plain to the entry's own stream, or JSON (with the cursor of its batch) to stdout. */
function writeEntry(entry: LogEntry, cursor: string | undefined, prefix: boolean): void {
  if (cursor !== undefined) {
    process.stdout.write(`${JSON.stringify({ ...(LogEntry.toJSON(entry) as object), text: entry.line.toString("utf8"), cursor })}\n`);
    return;
  }
  // Each stream goes to its own descriptor, so `aer logs ... 2>/dev/null` shows stdout alone.
  const out = entry.stream === LogStream.LOG_STREAM_STDERR ? process.stderr : process.stdout;
  const head = prefix ? Buffer.from(`${entry.executableName}: `) : Buffer.alloc(0);
  out.write(Buffer.concat([head, entry.line, Buffer.from(entry.partial ? "" : "\n")]));
}
