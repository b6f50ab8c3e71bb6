import { InvalidArgumentError, type Command } from "commander";
import { packedLogRecords } from "../../client/packed-log.js";
import { LogEntry, LogStream, type GetLogsResponse } from "../../gen/aurae/observe/v1/observe.js";
import { fanOut, outputOptions } from "../context.js";
import { untilInterrupted } from "../follow.js";
import { encodeRecord, protoJson, type OutputOptions } from "../output.js";
import { painter } from "../terminal.js";
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

const timeOptions = (command: Command, what: string): Command =>
  command
    .option("-f, --follow", `keep printing new ${what} as they are written (Ctrl-C ends)`)
    .option("-n, --tail <n>", `start with only the last n ${what}`, parseInteger)
    .option("--since <time>", `only ${what} since a time or an age: 10m, -1h, 2026-11-24T22:00:00Z`, (t: string) => parseTime(t))
    .option("--until <time>", `only ${what} before a time or an age`, (t: string) => parseTime(t))
    .option("--cursor <cursor>", "resume after the cursor a -o json line printed");

export function registerLogs(program: Command): void {
  timeOptions(
    program
      .command("logs")
      .description("print what an executable, or every executable of a cell, wrote to stdout and stderr, in time order")
      .argument("<cell>")
      .argument("[name]", "one executable; without it, the whole cell merged"),
    "lines",
  )
    .option("--stream <stream>", "stdout or stderr only", parseStream)
    .option("--prefix", "prefix each line with its executable's name (default for a whole cell)")
    .action(async (cell: string, name: string | undefined, opts: LogsOptions, command: Command) => {
      const out = outputOptions(command);
      // Lines of one executable come packed (far cheaper for a chatty one); JSON and YAML show each entry's cursor.
      const packed = name !== undefined && out.format === "table";
      const request = {
        packed,
        cellName: cell,
        executableName: name ?? "",
        follow: opts.follow ?? false,
        tail: opts.tail,
        since: opts.since,
        until: opts.until,
        streams: opts.stream === undefined ? [] : [opts.stream],
        cursor: opts.cursor ?? "",
      };
      const prefix = opts.prefix ?? name === undefined;
      await fanOut(command, (client, node) =>
        untilInterrupted(async (signal) => {
          for await (const response of client.observe.getLogs(request, { signal })) {
            for (const entry of response.entries) writeEntry(entry, { out, prefix, node });
            writePacked(response, { out, prefix, node });
          }
        }).then(() => []),
      );
    });
}

export function registerDaemonLog(program: Command): void {
  timeOptions(program.command("daemon-log").description("print auraed's own structured log"), "entries")
    .option("--level <level>", "only entries at this level or above: trace, debug, info, warn, error, fatal")
    .action(async (opts: Omit<LogsOptions, "stream" | "prefix"> & { level?: string }, command: Command) => {
      const out = outputOptions(command);
      const request = { level: opts.level ?? "", follow: opts.follow ?? false, tail: opts.tail, since: opts.since, until: opts.until, cursor: opts.cursor ?? "" };
      await fanOut(command, (client, node) =>
        untilInterrupted(async (signal) => {
          for await (const { entries } of client.observe.getDaemonLogs(request, { signal }))
            for (const entry of entries)
              process.stdout.write(out.format === "table" ? `${node ? `${node} ` : ""}${describeDaemonEntry(entry.line.toString("utf8"))}\n` : encodeRecord(entryJson(entry, node), out.format));
        }).then(() => []),
      );
    });
}

interface EntryContext {
  readonly out: OutputOptions;
  readonly prefix: boolean;
  readonly node: string | undefined;
}

/** The protobuf JSON of an entry (with the cursor that resumes right after it) and its line as text. */
const entryJson = (entry: LogEntry, node: string | undefined): object => ({
  ...(node === undefined ? {} : { node }),
  ...(protoJson(LogEntry, entry) as object),
  text: entry.line.toString("utf8"),
});

/** One line per entry: plain to the entry's own stream, or a JSON line or YAML document on stdout. */
function writeEntry(entry: LogEntry, context: EntryContext): void {
  if (context.out.format !== "table") return void process.stdout.write(encodeRecord(entryJson(entry, context.node), context.out.format));
  writeLine(entry, context);
}

/** A line as it was written, to its own stream: `aer logs ... 2>/dev/null` shows stdout alone. */
function writeLine(entry: Pick<LogEntry, "stream" | "partial" | "executableName"> & { line: Uint8Array }, { prefix, node }: EntryContext): void {
  const stream = entry.stream === LogStream.LOG_STREAM_STDERR ? process.stderr : process.stdout;
  const head = `${node ? `${node} ` : ""}${prefix ? `${entry.executableName}: ` : ""}`;
  stream.write(Buffer.concat([Buffer.from(head), entry.line, Buffer.from(entry.partial ? "" : "\n")]));
}

/** The records of a packed response (none unless asked for, or from an auraed that knows no packed), as lines. */
function writePacked(response: GetLogsResponse, context: EntryContext): void {
  for (const { stream, partial, line } of packedLogRecords(response.records))
    writeLine({ stream, partial, line, executableName: response.executableName }, context);
}

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const paint = painter(process.stdout);

/** "2026-11-24T22:00:00.000Z  INFO   call method=... code=OK" from one pino JSON line; other lines as they are. */
function describeDaemonEntry(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, pid: _pid, hostname: _host, ...rest } = record;
  const levelName = LEVELS[level as number] ?? String(level);
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  const levelText = (level as number) >= 50 ? paint("red", levelName.padEnd(5)) : (level as number) >= 40 ? paint("yellow", levelName.padEnd(5)) : levelName.padEnd(5);
  return [typeof time === "number" ? new Date(time).toISOString() : String(time ?? ""), levelText, String(msg ?? ""), ...fields].join("  ").trimEnd();
}
