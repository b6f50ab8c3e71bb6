// Commands that print a log of records (events, audit entries) as it streams: a table line each, or one JSON object
// a line (YAML document), or with -q its sequence alone, labelled with its node under --nodes; until the stream
// ends, or with -f until Ctrl-C.
import type { Command } from "commander";
import type { AuraeClient } from "../client/connect.js";
import { fanOut, outputOptions } from "./context.js";
import { untilInterrupted } from "./follow.js";
import { encodeRecord, protoJson, visible } from "./output.js";

export interface RecordPrinter<T> {
  /** The batches to print, read from one node. */
  readonly read: (client: AuraeClient, signal: AbortSignal) => AsyncIterable<readonly T[]>;
  /** One table line, without its newline. */
  readonly line: (record: T, node: string | undefined) => string;
  /** What -q prints: the record's sequence, the resume position a script passes to --after. */
  readonly sequence: (record: T) => bigint;
  /** The generated message type, for the protobuf JSON mapping. */
  readonly type: { toJSON(message: T): unknown };
}

export async function printRecords<T>(command: Command, printer: RecordPrinter<T>): Promise<void> {
  const { format, quiet } = outputOptions(command);
  const print = (record: T, node: string | undefined): string => {
    if (quiet) return `${node === undefined ? "" : `${node}\t`}${printer.sequence(record)}\n`;
    if (format === "table") return `${visible(printer.line(record, node))}\n`;
    return encodeRecord({ ...(node === undefined ? {} : { node }), ...(protoJson(printer.type, record) as object) }, format);
  };
  await fanOut(command, (client, node) =>
    untilInterrupted(async (signal) => {
      for await (const batch of printer.read(client, signal)) for (const record of batch) process.stdout.write(print(record, node));
    }).then(() => []),
  );
}
