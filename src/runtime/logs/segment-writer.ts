// Writes the daemon's own log in the same segmented CRI format as the shim (see segments.ts), so the same reader,
// cursors and retention serve both. Writes are synchronous appends of whole records: the daemon logs little, and a
// record written is then never lost to a crash.
//
// A disk that is full or failing (ENOSPC, EIO, a segment replaced by a directory) must not stop the daemon: a record
// that cannot be written is dropped and counted, the first failure of a run is said on stderr, each later record
// tries again, and once one is written the log says (a warning) how many were lost.
import { appendFileSync, closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { listSegmentNamesSync, segmentName } from "./segments.js";

export interface SegmentWriterOptions {
  readonly dir: string;
  readonly maxBytes: number;
  readonly maxFiles: number;
  /** Where failures to write are said; process.stderr in auraed. */
  readonly stderr?: { write(text: string): unknown };
}

/** How writing the log goes: what was lost, and why the last failure happened while it lasts. */
export interface SegmentWriterHealth {
  /** Lines dropped since the writer was made because they could not be written. */
  readonly linesLost: number;
  /** The error of the write that failed last, while no write has succeeded since; undefined when writing works. */
  readonly failing?: string;
}

/** A Writable of text lines (pino's output) that stores each line as one CRI record on "stdout". */
export class SegmentWriter extends Writable {
  /** Undefined after a failed rotation: the next record opens the segment again. */
  #fd: number | undefined;
  #start: number;
  #size = 0;
  #pending = "";
  #linesLost = 0;
  /** Lost in the current run of failures: said in the log once writing works again. */
  #lostInRun = 0;
  #failing: string | undefined;

  constructor(private readonly opts: SegmentWriterOptions) {
    super({ decodeStrings: false });
    mkdirSync(opts.dir, { recursive: true, mode: 0o750 });
    const newest = listSegmentNamesSync(opts.dir).at(-1);
    this.#start = newest?.start ?? 0;
    this.#fd = this.#open();
  }

  get health(): SegmentWriterHealth {
    return { linesLost: this.#linesLost, ...(this.#failing !== undefined && { failing: this.#failing }) };
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    const lines = (this.#pending + chunk.toString()).split("\n");
    this.#pending = lines.pop()!;
    for (const line of lines) this.#writeLine(line);
    done(); // never an error: it would end the stream and, through pino, the daemon
  }

  override _final(done: (err?: Error | null) => void): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    done();
  }

  #writeLine(line: string): void {
    try {
      if (this.#failing !== undefined) {
        this.#append(this.#record(this.#lostNotice()));
        this.opts.stderr?.write(`auraed: the daemon log in ${this.opts.dir} is written again\n`);
        this.#failing = undefined;
        this.#lostInRun = 0;
      }
      this.#append(this.#record(line));
    } catch (err) {
      this.#linesLost += 1;
      this.#lostInRun += 1;
      if (this.#failing === undefined)
        this.opts.stderr?.write(`auraed: cannot write the daemon log in ${this.opts.dir} (${(err as Error).message}): its lines are dropped until it can, serving goes on\n`);
      this.#failing = (err as Error).message;
    }
  }

  /** A warning shaped as pino writes them (level 40), so level filters and JSON readers take it as any line. */
  #lostNotice(): string {
    const notice = { level: 40, time: Date.now(), pid: process.pid, msg: "lines of this log were lost: writing it failed", lost: this.#lostInRun, reason: this.#failing };
    return JSON.stringify(notice);
  }

  #record(line: string): Buffer {
    const stamp = new Date().toISOString().replace("Z", "000000Z"); // ms to the 9 digits the format carries
    return Buffer.from(`${stamp} stdout F ${line}\n`);
  }

  #append(record: Buffer): void {
    this.#fd ??= this.#open();
    if (this.#size > 0 && this.#size + record.length > this.opts.maxBytes) this.#rotate();
    try {
      appendFileSync(this.#fd!, record);
    } catch (err) {
      // A short write leaves part of a record: cut it, so the next record starts a line of its own. The segment is
      // opened again for the next record: a file gone bad (EIO, replaced) may be writable under its name again.
      const fd = this.#fd!;
      this.#fd = undefined;
      try {
        ftruncateSync(fd, this.#size);
      } catch {
        // the file is what failed: its name is opened again all the same
      }
      closeSync(fd);
      throw err;
    }
    this.#size += record.length;
  }

  #open(): number {
    mkdirSync(this.opts.dir, { recursive: true, mode: 0o750 }); // removed while auraed ran: made again
    const fd = openSync(join(this.opts.dir, segmentName(this.#start)), "a", 0o640);
    this.#size = fstatSync(fd).size;
    return fd;
  }

  #rotate(): void {
    const fd = this.#fd!;
    this.#fd = undefined;
    closeSync(fd);
    this.#start += this.#size;
    this.#fd = this.#open();
    const segments = listSegmentNamesSync(this.opts.dir);
    for (const old of segments.slice(0, Math.max(0, segments.length - this.opts.maxFiles))) {
      try {
        unlinkSync(join(this.opts.dir, old.name));
      } catch {
        // kept one rotation longer: the next one lists it again
      }
    }
  }
}
