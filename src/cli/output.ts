// How aer prints what it read: a plain table by default, JSON (the protobuf JSON mapping, stable for scripts),
// YAML (the same values), or with -q only the names. Rows read from several nodes (--nodes) carry the node's
// address: a NODE column first, a "node" field in each object.
import { toYaml } from "./yaml.js";

export const OUTPUT_FORMATS = ["table", "json", "yaml"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface OutputOptions {
  readonly format: OutputFormat;
  /** Names only, one a line. */
  readonly quiet: boolean;
}

export interface Printer<T> {
  /** Column headings and how to read each cell of a row. */
  readonly columns: readonly (readonly [string, (item: T) => string])[];
  /** The protobuf JSON form of one item. */
  readonly toJson: (item: T) => unknown;
  /** What -q prints for the item. */
  readonly name: (item: T) => string;
}

/** One item, and the node it came from when several nodes were asked. */
export interface Row<T> {
  readonly node?: string;
  readonly item: T;
}

/**
 * The text for `rows`. A `single` item (get, allocate, ...) is one object in JSON and YAML, a list is an array;
 * rows from several nodes are always an array, since each node may answer.
 */
export function formatRows<T>(rows: readonly Row<T>[], printer: Printer<T>, out: OutputOptions, single = false): string {
  const fanned = rows.some((row) => row.node !== undefined);
  if (out.quiet) return rows.map(({ node, item }) => `${fanned ? `${node}\t` : ""}${printer.name(item)}\n`).join("");
  if (out.format !== "table") {
    const values = jsonValues(rows, printer);
    return encode(single && !fanned ? values[0] : values, out.format);
  }
  const columns: readonly (readonly [string, (row: Row<T>) => string])[] = [
    ...(fanned ? [["NODE", (row: Row<T>) => row.node ?? ""] as const] : []),
    ...printer.columns.map(([title, get]) => [title, (row: Row<T>) => get(row.item)] as const),
  ];
  return table(columns.map(([title]) => title), rows.map((row) => columns.map(([, get]) => get(row))));
}

/** The JSON form of each row, with its "node" when it has one. */
export const jsonValues = <T>(rows: readonly Row<T>[], printer: Printer<T>): unknown[] =>
  rows.map(({ node, item }) => (node === undefined ? printer.toJson(item) : { node, ...(printer.toJson(item) as object) }));

export function printRows<T>(rows: readonly Row<T>[], printer: Printer<T>, out: OutputOptions, single = false): void {
  process.stdout.write(formatRows(rows, printer, out, single));
}

/** A whole document in JSON (indented) or YAML. */
export const encode = (value: unknown, format: "json" | "yaml"): string =>
  format === "json" ? `${JSON.stringify(value ?? null, null, 2)}\n` : toYaml(value ?? null);

/** One record of a stream (logs, events): a JSON line, or a YAML document starting with "---". */
export const encodeRecord = (value: unknown, format: "json" | "yaml"): string =>
  format === "json" ? `${JSON.stringify(value)}\n` : `---\n${toYaml(value)}`;

/**
 * The protobuf JSON mapping of a generated message, with every field present: the mapping leaves out fields at
 * their default (false, 0, ""), which makes `jq .status.frozen` answer null for a cell that is not frozen. Fields
 * that are unset (optional scalars, messages, times) stay absent: absence means "not set", never "zero".
 */
export function protoJson<T>(type: { toJSON(message: T): unknown }, message: T): unknown {
  return withDefaults(message, type.toJSON(message));
}

function withDefaults(message: unknown, json: unknown): unknown {
  if (typeof message !== "object" || message === null || message instanceof Date || message instanceof Uint8Array) return json;
  if (Array.isArray(message)) return Array.isArray(json) ? json.map((item, i) => withDefaults(message[i], item)) : json;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) {
    const present = (json as Record<string, unknown> | undefined)?.[key];
    if (present !== undefined) out[key] = withDefaults(value, present);
    else if (value !== undefined) out[key] = defaultJson(value);
  }
  return out;
}

/** The JSON of a field's default value, as the mapping would write it. */
function defaultJson(value: unknown): unknown {
  if (typeof value === "bigint") return "0";
  if (value instanceof Uint8Array) return "";
  if (Array.isArray(value)) return [];
  if (typeof value === "object" && value !== null) return {};
  return value; // false, 0, ""
}

/** Columns padded to their widest cell, two spaces apart, no trailing blanks. */
export function table(headings: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headings, ...rows.map((row) => row.map(visible))];
  const widths = headings.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => `${row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()}\n`).join("");
}

/**
 * Text from the daemon with its control characters shown as escapes: a value a caller chose (a cell's bad device
 * path in an audit entry) must not move the cursor or erase lines on the reader's terminal.
 */
export const visible = (text: string): string =>
  text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === "\t" ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`));
