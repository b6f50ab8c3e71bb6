// Wakes a log follower when any of its logs may have grown. One inotify watch per log directory (an append to a
// segment is a change in its directory); a directory that cannot be watched (not created yet, or gone) is polled
// instead, and watched again as soon as it can be. With every watch in place, an idle follower sleeps until a write.
import { watch, type FSWatcher } from "node:fs";

export class LogWatch {
  /** Undefined: not watched (its watch failed), polled. */
  readonly #watchers = new Map<string, { watcher: FSWatcher | undefined; stale: boolean }>();
  #dirty = true;
  #wake: (() => void) | undefined;

  constructor(private readonly pollMs = 250) {}

  /** Watches `dir` from now on (nothing if it is watched already). */
  add(dir: string): void {
    if (!this.#watchers.has(dir)) this.#watchers.set(dir, { watcher: this.#watch(dir), stale: false });
  }

  /** Something outside the directories changed (a new log to read): the next `changed` returns at once. */
  poke(): void {
    this.#dirty = true;
    this.#wake?.();
  }

  /** True if some directory is polled because it cannot be watched. */
  get polling(): boolean {
    return [...this.#watchers.values()].some((w) => w.watcher === undefined);
  }

  /** Returns once anything may have changed since the last call, or `signal` aborts. */
  async changed(signal: AbortSignal): Promise<void> {
    this.#rewatch();
    if (!this.#dirty && !signal.aborted)
      await new Promise<void>((resolve) => {
        const timer = this.polling ? setTimeout(() => this.poke(), this.pollMs) : undefined;
        const done = (): void => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          this.#wake = undefined;
          resolve();
        };
        signal.addEventListener("abort", done, { once: true });
        this.#wake = done;
      });
    this.#dirty = false;
  }

  close(): void {
    for (const { watcher } of this.#watchers.values()) watcher?.close();
    this.#watchers.clear();
    this.#wake?.();
  }

  /**
   * Watches again what is not watched, or may watch a deleted directory (a "rename" event: the directory itself or an
   * entry in it came or went). The old watch is closed only once the new one is in place; as writes may have come
   * between the two, the next `changed` returns at once.
   */
  #rewatch(): void {
    for (const [dir, entry] of this.#watchers) {
      if (entry.watcher !== undefined && !entry.stale) continue;
      const watcher = this.#watch(dir);
      entry.watcher?.close();
      this.#watchers.set(dir, { watcher, stale: false });
      if (watcher !== undefined) this.#dirty = true;
    }
  }

  #watch(dir: string): FSWatcher | undefined {
    try {
      const watcher = watch(dir, { persistent: false }, (event) => {
        if (event === "rename") this.#markStale(dir, watcher);
        this.poke();
      });
      watcher.on("error", () => {
        this.#markStale(dir, watcher);
        this.poke();
      });
      return watcher;
    } catch {
      return undefined;
    }
  }

  #markStale(dir: string, watcher: FSWatcher): void {
    const entry = this.#watchers.get(dir);
    if (entry?.watcher === watcher) entry.stale = true;
  }
}
