// What the event log records: the kinds of event, the shape of one before and after it is recorded, and the filter
// a reader selects events with. The kinds and their attributes are documented in proto/aurae/events/v1/events.proto.
import { invalid, quote } from "../../errors.js";
import type { Labels } from "../labels/labels.js";
import type { LabelSelector } from "../labels/label-selector.js";
import { validateCellName } from "../names.js";

export const EVENT_KINDS = [
  "cell.allocated",
  "cell.updated",
  "cell.frozen",
  "cell.thawed",
  "cell.freed",
  "cell.identity_renewed",
  "cell.identity_expiring",
  "executable.started",
  "executable.exited",
  "executable.restarted",
  "executable.oom_killed",
  "executable.stopped",
  "daemon.started",
  "daemon.stopped",
  "node.leftover_removed",
] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

/** An event about to be recorded. */
export interface NewEvent {
  readonly kind: EventKind;
  readonly cell?: string;
  readonly executable?: string;
  readonly attributes?: Readonly<Record<string, string>>;
  /** The labels of the cell or executable the event is about, as they are now. */
  readonly labels?: Labels;
}

/** An event as the log holds it. Its kind is a string: a database written by a later auraed may hold new kinds. */
export interface RecordedEvent {
  readonly sequence: number;
  readonly time: Date;
  readonly kind: string;
  readonly cell?: string;
  readonly executable?: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly labels: Labels;
}

export interface EventFilter {
  /** Only events of this cell and of the cells below it. */
  readonly cell?: string;
  /** Only events of these kinds: exact, or a prefix ending in "." ("executable."). Absent or empty: every kind. */
  readonly kinds?: readonly string[];
  /** Only events whose labels (those their cell or executable had when they were recorded) match. */
  readonly selector?: LabelSelector;
}

const KIND = /^[a-z_.]+$/;
const MAX_KINDS = 100;
const MAX_KIND_CHARS = 128; // kinds are short ("node.leftover_removed"); a filter never needs more

/** The filter, checked field by field; an empty cell name means every cell. */
export function validateEventFilter(filter: EventFilter): EventFilter {
  const kinds = filter.kinds ?? [];
  if (kinds.length > MAX_KINDS) throw invalid("kinds", `at most ${MAX_KINDS} kinds, got ${kinds.length}`);
  kinds.forEach((kind, i) => {
    if (kind.length > MAX_KIND_CHARS) throw invalid(`kinds[${i}]`, `is ${kind.length} characters long, at most ${MAX_KIND_CHARS}`);
    if (!KIND.test(kind))
      throw invalid(`kinds[${i}]`, `${quote(kind)} is not an event kind or a prefix such as "executable.": use a-z, "_" and "."`);
  });
  return {
    ...(filter.cell !== undefined && filter.cell !== "" && { cell: validateCellName(filter.cell, "cell_name") }),
    ...(kinds.length > 0 && { kinds }),
    ...(filter.selector && filter.selector.length > 0 && { selector: filter.selector }),
  };
}

/** The attributes of executable.exited: how the process ended. */
export function exitAttributes(exit: { code: number | null; signal: number | null; oomKilled: boolean; lost?: boolean }): Record<string, string> {
  return {
    ...(exit.code !== null && { code: String(exit.code) }),
    ...(exit.signal !== null && { signal: String(exit.signal) }),
    oom_killed: String(exit.oomKilled),
    ...(exit.lost && { lost: "true" }),
  };
}
