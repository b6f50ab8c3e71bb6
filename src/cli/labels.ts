// Labels on the command line, as kubectl takes them: --label k=v to set (repeatable), -l/--selector to select a
// list, --show-labels for a LABELS column. Keys, values and selectors are checked by the daemon, which names the
// field at fault.
import { InvalidArgumentError, type Command } from "commander";
import type { Printer } from "./output.js";

export interface SelectorOptions {
  readonly selector?: string;
  readonly showLabels?: boolean;
}

/** "app=web" (a value may be empty: "canary="). */
export function collectLabel(text: string, labels: Record<string, string>): Record<string, string> {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`"${text}" is not KEY=VALUE, e.g. app=web`);
  return { ...labels, [text.slice(0, eq)]: text.slice(eq + 1) };
}

export const addLabelOption = (command: Command, what: string): Command =>
  command.option("--label <key=value>", `a label of the ${what}, e.g. app=web (repeatable)`, collectLabel, {});

export const addSelectorOptions = (command: Command): Command =>
  command
    .option("-l, --selector <selector>", "only those whose labels match, e.g. app=web,tier!=db or env in (prod,qa)")
    .option("--show-labels", "add a LABELS column to the table");

/** The printer, with a last LABELS column when asked for it ("<none>" for an item without labels, as kubectl). */
export function withLabels<T>(printer: Printer<T>, show: boolean | undefined, labelsOf: (item: T) => Readonly<Record<string, string>> | undefined): Printer<T> {
  if (!show) return printer;
  const column = (item: T): string => Object.entries(labelsOf(item) ?? {}).map(([k, v]) => `${k}=${v}`).join(",") || "<none>";
  return { ...printer, columns: [...printer.columns, ["LABELS", column]] };
}
