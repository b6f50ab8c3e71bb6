// Requests that worked, kept per method, for mutate.ts to change: the newest few, so they follow what the node holds.
import type { FuzzMessage } from "./wire.js";

const TEMPLATES_PER_METHOD = 20;

export class Templates {
  readonly #byPath = new Map<string, FuzzMessage[]>();

  add(path: string, message: FuzzMessage): void {
    const kept = this.#byPath.get(path) ?? [];
    if (kept.length >= TEMPLATES_PER_METHOD) kept.shift();
    kept.push(message);
    this.#byPath.set(path, kept);
  }

  of(path: string): readonly FuzzMessage[] {
    return this.#byPath.get(path) ?? [];
  }
}
