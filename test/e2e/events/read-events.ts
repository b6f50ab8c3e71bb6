// Reading the event log from a test: every event by pages, a Watch until enough arrived, and cell churn that
// makes events to read.
import type { AuraeClient } from "../../../src/client/index.js";
import type { Event, ListRequest, WatchRequest } from "../../../src/gen/aurae/events/v1/events.js";

/** How long a Watch in a test may take, by default, before it fails instead of hanging. */
const WATCH_DEADLINE_MS = 30_000;

/** Every recorded event matching the filters, oldest first. */
export async function listAll(client: AuraeClient, filter: Partial<Pick<ListRequest, "cellName" | "kinds">> = {}): Promise<Event[]> {
  const events: Event[] = [];
  let pageToken = "";
  do {
    const page = await client.events.list({ ...filter, pageSize: 1000, pageToken });
    events.push(...page.events);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return events;
}

/** The sequence of the newest event recorded. */
export async function lastSequence(client: AuraeClient): Promise<bigint> {
  return (await listAll(client)).at(-1)?.sequence ?? 0n;
}

/** Events of a Watch until it ends, or until `enough` says so (then the call is cancelled). */
export async function collectWatch(
  client: AuraeClient,
  request: Partial<WatchRequest>,
  enough: (events: readonly Event[]) => boolean = () => false,
  deadlineMs = WATCH_DEADLINE_MS,
): Promise<Event[]> {
  const events: Event[] = [];
  if (enough(events)) return events;
  for await (const { events: batch } of client.events.watch(request, { deadline: deadlineMs })) {
    events.push(...batch);
    if (enough(events)) break;
  }
  return events;
}

/** Allocates and frees each cell in turn; answers the events that should follow, in order. */
export async function allocateAndFree(client: AuraeClient, cells: readonly string[]): Promise<string[]> {
  const expected: string[] = [];
  for (const name of cells) {
    await client.cells.allocate({ spec: { name } });
    await client.cells.free({ name });
    expected.push(`cell.allocated ${name}`, `cell.freed ${name}`);
  }
  return expected;
}

/** Resolves once `condition` holds; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const describeEvent = (e: Event): string => `${e.kind} ${e.cellName}`;
export const sequencesOf = (events: readonly Event[]): bigint[] => events.map((e) => e.sequence);
