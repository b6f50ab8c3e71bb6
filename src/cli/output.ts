// How aer prints: a plain table by default, or JSON (the protobuf JSON mapping, stable for scripts).
export type OutputFormat = "table" | "json";

export interface Printer<T> {
  /** Column headings and how to read each cell of a row. */
  readonly columns: readonly (readonly [string, (item: T) => string])[];
  /** The protobuf JSON form of one item. */
  readonly toJson: (item: T) => unknown;
}

export function printItems<T>(items: readonly T[], printer: Printer<T>, format: OutputFormat, single = false): void {
  if (format === "json") {
    const json = items.map(printer.toJson);
    process.stdout.write(`${JSON.stringify(single ? json[0] : json, null, 2)}\n`);
    return;
  }
  const rows = [printer.columns.map(([title]) => title), ...items.map((item) => printer.columns.map(([, get]) => get(item)))];
  const widths = printer.columns.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()}\n`);
}
