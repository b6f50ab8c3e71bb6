// A seeded random source, so a fuzz run is replayed by its seed (AURAE_SEED). sfc32 seeded through splitmix32:
// small, fast and good enough to pick test inputs; Math.random cannot be seeded.
import { randomInt } from "node:crypto";

export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(readonly seed: number) {
    let s = seed >>> 0;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    [this.#a, this.#b, this.#c, this.#d] = [splitmix(), splitmix(), splitmix(), splitmix()];
  }

  /** The seed in AURAE_SEED when it is set, else a fresh one. */
  static fromEnv(value: string | undefined): Random {
    if (value === undefined || value === "") return new Random(randomInt(2 ** 32 - 1));
    const seed = Number(value);
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`AURAE_SEED must be 0 to 4294967295, got "${value}"`);
    return new Random(seed);
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A number in [0, 1). */
  float(): number {
    return this.uint32() / 2 ** 32;
  }

  /** An integer from min to max, both included (|max - min| below 2^32). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Random.pick: no items");
    return items[this.int(0, items.length - 1)]!;
  }

  /** A uniform 64-bit unsigned integer. */
  uint64(): bigint {
    return (BigInt(this.uint32()) << 32n) | BigInt(this.uint32());
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.uint32() & 0xff;
    return out;
  }

  /** A size, mostly small, sometimes in the hundreds or thousands: for repeated fields, maps and strings. */
  size(): number {
    const roll = this.float();
    if (roll < 0.6) return this.int(0, 3);
    if (roll < 0.85) return this.int(4, 20);
    if (roll < 0.95) return this.int(100, 1000);
    return this.int(4000, 5000);
  }
}
