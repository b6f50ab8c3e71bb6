import type { Command } from "commander";
import { LogEntry, LogStream } from "../../gen/aurae/observe/v1/observe.js";
import { withClient } from "../context.js";

export function registerLogs(program: Command): void {
  program
    .command("logs")
    .description("print an executable's output (stdout and stderr, in order)")
    .argument("<cell>")
    .argument("<name>")
    .option("-f, --follow", "keep printing new lines until the executable's output closes")
    .action((cell: string, name: string, opts: { follow?: boolean }, command: Command) =>
      withClient(command, async (client, { output }) => {
        const abort = new AbortController();
        process.once("SIGINT", () => abort.abort());
        const stream = client.observe.getLogs({ cellName: cell, executableName: name, follow: opts.follow ?? false }, { signal: abort.signal });
        try {
          for await (const { entries } of stream) for (const entry of entries) writeEntry(entry, output === "json");
        } catch (err) {
          if (!abort.signal.aborted) throw err;
        }
      }),
    );
}

function writeEntry(entry: LogEntry, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...(LogEntry.toJSON(entry) as object), text: entry.line.toString("utf8") })}\n`);
    return;
  }
  // Each stream goes to its own descriptor, so `aer logs ... 2>/dev/null` shows stdout alone.
  const out = entry.stream === LogStream.LOG_STREAM_STDERR ? process.stderr : process.stdout;
  out.write(entry.partial ? entry.line : Buffer.concat([entry.line, Buffer.from("\n")]));
}
