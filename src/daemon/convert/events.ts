// The one file that knows both shapes of an event and of the requests that select events.
import type { EventFilter, RecordedEvent } from "../../domain/events/event.js";
import type { WatchQuery } from "../../domain/events/event-log.js";
import { parseLabelSelector } from "../../domain/labels/label-selector.js";
import type * as pb from "../../gen/aurae/events/v1/events.js";
import { uint64ToNumber } from "./int64.js";

export const eventFilterFromProto = (m: { cellName: string; kinds: string[]; labelSelector: string }): EventFilter =>
  ({ cell: m.cellName, kinds: m.kinds, selector: parseLabelSelector(m.labelSelector) });

export const watchQueryFromProto = (m: pb.WatchRequest): WatchQuery => ({
  ...eventFilterFromProto(m),
  afterSequence: uint64ToNumber(m.afterSequence, "after_sequence") ?? 0,
  epoch: m.epoch,
  fromNow: m.fromNow,
  follow: m.follow,
});

export const eventToProto = (e: RecordedEvent): pb.Event => ({
  sequence: BigInt(e.sequence),
  time: e.time,
  kind: e.kind,
  cellName: e.cell ?? "",
  executableName: e.executable ?? "",
  attributes: { ...e.attributes },
  labels: { ...e.labels },
});
