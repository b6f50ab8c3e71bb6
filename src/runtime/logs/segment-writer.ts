// Writes the daemon's own log in the same segmented CRI format as the shim (see segments.ts), so the same reader,
// cursors and retention serve both. Writes are synchronous appends of whole records: the daemon logs little, and a
// record written is then never lost to a crash.
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { listSegmentNamesSync, segmentName } from "./segments.js";

export interface SegmentWriterOptions {
  readonly dir: string;
  readonly maxBytes: number;
  readonly maxFiles: number;
}

/** A Writable of text lines (pino's output) that stores each line as one CRI record on "stdout". */
export class SegmentWriter extends Writable {
  #fd: number;
  #start: number;
  #size: number;
  #pending = "";

  constructor(private readonly opts: SegmentWriterOptions) {
    super({ decodeStrings: false });
    mkdirSync(opts.dir, { recursive: true, mode: 0o750 });
    const newest = listSegmentNamesSync(opts.dir).at(-1);
    this.#start = newest?.start ?? 0;
    this.#fd = openSync(join(opts.dir, segmentName(this.#start)), "a", 0o640);
    this.#size = fstatSync(this.#fd).size;
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    try {
      const lines = (this.#pending + chunk.toString()).split("\n");
      this.#pending = lines.pop()!;
      const stamp = new Date().toISOString().replace("Z", "000000Z"); // ms to the 9 digits the format carries
      const records = lines.map((line) => Buffer.from(`${stamp} stdout F ${line}\n`));
      for (const record of records) this.#append(record);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _final(done: (err?: Error | null) => void): void {
    closeSync(this.#fd);
    done();
  }

  #append(record: Buffer): void {
    if (this.#size > 0 && this.#size + record.length > this.opts.maxBytes) this.#rotate();
    appendFileSync(this.#fd, record);
    this.#size += record.length;
  }

  #rotate(): void {
    closeSync(this.#fd);
    this.#start += this.#size;
    this.#fd = openSync(join(this.opts.dir, segmentName(this.#start)), "a", 0o640);
    this.#size = 0;
    const segments = listSegmentNamesSync(this.opts.dir);
    for (const old of segments.slice(0, Math.max(0, segments.length - this.opts.maxFiles))) unlinkSync(join(this.opts.dir, old.name));
  }
}
