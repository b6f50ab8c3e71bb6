import type { Logger } from "pino";
import type { EventLog } from "../../domain/events/event-log.js";
import type { EventServiceServer, WatchResponse } from "../../gen/aurae/events/v1/events.js";
import { eventFilterFromProto, eventToProto, watchQueryFromProto } from "../convert/events.js";
import { serverStream, unary } from "../rpc.js";

export const eventService = ({ events, log }: { events: EventLog; log: Logger }): EventServiceServer => ({
  watch: serverStream(log, async function* (req, signal): AsyncGenerator<WatchResponse> {
    for await (const batch of events.watch(watchQueryFromProto(req), signal)) yield { events: batch.map(eventToProto), epoch: events.epoch };
  }),
  list: unary(log, async (req) => {
    const page = events.list(eventFilterFromProto(req), req);
    return { events: page.events.map(eventToProto), nextPageToken: page.nextPageToken, epoch: events.epoch };
  }),
});
