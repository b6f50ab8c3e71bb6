// Reads exact byte counts from a stream of chunks, hashing every byte it consumes: a tar is parsed in one pass
// while its digest (the layer's diff ID) is computed over the very same bytes.
import type { Hash } from "node:crypto";

export class ByteReader {
  #pending: Buffer = Buffer.alloc(0);
  #done = false;

  constructor(private readonly source: AsyncIterator<Buffer>, private readonly hash: Hash) {}

  /** Exactly `n` bytes, or fewer only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    while (this.#pending.length < n && !this.#done) await this.#fill();
    const out = this.#pending.subarray(0, n);
    this.#pending = this.#pending.subarray(out.length);
    this.hash.update(out);
    return out;
  }

  /** The next `n` bytes as they arrive (fewer only if the stream ends). */
  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.#pending.length === 0) {
        if (this.#done) return;
        await this.#fill();
        continue;
      }
      const out = this.#pending.subarray(0, left);
      this.#pending = this.#pending.subarray(out.length);
      this.hash.update(out);
      left -= out.length;
      yield out;
    }
  }

  /** Consumes the rest of the stream (tar writers pad past the end-of-archive blocks; it is all in the digest). */
  async drain(): Promise<void> {
    for await (const _ of this.chunks(Number.MAX_SAFE_INTEGER));
  }

  async #fill(): Promise<void> {
    const next = await this.source.next();
    if (next.done) {
      this.#done = true;
      return;
    }
    this.#pending = this.#pending.length === 0 ? next.value : Buffer.concat([this.#pending, next.value]);
  }
}
