// Where a tail starts in each log: every log is walked backwards at once, the newest record of them all first, until
// `tail` records passed the filters. A log's records are in time order, so no log is read further back than the
// answer reaches: a cell-wide tail reads about `tail` records (and one chunk per log), not `tail` of every log.
import { recordsBackward, type PlacedRecord } from "../../runtime/logs/segments.js";
import type { LogRecord } from "../../runtime/logs/cri-log.js";

export interface TailedLog {
  readonly name: string;
  readonly dir: string;
}

/** The global offset at which each log's share of the newest `tail` passing records starts; absent: none of them. */
export async function tailStarts(logs: readonly TailedLog[], tail: number, passes: (record: LogRecord) => boolean): Promise<Map<string, number>> {
  const starts = new Map<string, number>();
  const walks = logs.map((log) => ({ name: log.name, records: recordsBackward(log.dir), chunk: [] as PlacedRecord[], next: 0 }));
  try {
    const heap = new NewestFirst<Walk>();
    for (const walk of walks) if (await advance(walk)) heap.push(walk);
    for (let counted = 0; counted < tail; ) {
      const walk = heap.pop();
      if (walk === undefined) break; // fewer than tail records in all: every one
      const record = walk.chunk[walk.next++]!;
      if (passes(record)) {
        starts.set(walk.name, record.offset);
        counted++;
      }
      if (await advance(walk)) heap.push(walk);
    }
    return starts;
  } finally {
    await Promise.all(walks.map((walk) => walk.records.return(undefined)));
  }
}

interface Walk {
  readonly name: string;
  readonly records: AsyncGenerator<PlacedRecord[]>;
  chunk: PlacedRecord[];
  /** Index in chunk of the newest record not taken yet. */
  next: number;
}

/** Makes sure walk.chunk[walk.next] is its next record; false when the log has no older one. */
async function advance(walk: Walk): Promise<boolean> {
  while (walk.next >= walk.chunk.length) {
    const more = await walk.records.next();
    if (more.done) return false;
    walk.chunk = more.value;
    walk.next = 0;
  }
  return true;
}

const headTime = (walk: Walk): bigint => walk.chunk[walk.next]!.timeUnixNano;

/** A binary heap of walks, the one with the newest next record on top. */
class NewestFirst<T extends Walk> {
  readonly #items: T[] = [];

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (headTime(items[parent]!) >= headTime(items[i]!)) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let newest = i;
      if (left < items.length && headTime(items[left]!) > headTime(items[newest]!)) newest = left;
      if (right < items.length && headTime(items[right]!) > headTime(items[newest]!)) newest = right;
      if (newest === i) return top;
      [items[newest], items[i]] = [items[i]!, items[newest]!];
      i = newest;
    }
  }
}
