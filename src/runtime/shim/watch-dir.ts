import { watch, type FSWatcher } from "node:fs";

/**
 * Watches a directory (inotify) for as long as a reader needs it. `changed()` resolves at once if anything changed
 * since the last call, else on the next change, or after `fallbackMs` so a missed event only delays a reader.
 */
export class DirWatcher {
  #dirty = true;
  #wake: (() => void) | undefined;
  readonly #watcher: FSWatcher | undefined;

  constructor(
    dir: string,
    private readonly fallbackMs = 250,
  ) {
    try {
      this.#watcher = watch(dir, { persistent: false }, () => this.#mark());
      this.#watcher.on("error", () => this.#mark());
    } catch {
      // An unwatchable directory degrades to polling every fallbackMs.
    }
  }

  async changed(signal?: AbortSignal): Promise<void> {
    if (this.#dirty || signal?.aborted) {
      this.#dirty = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.fallbackMs);
      signal?.addEventListener("abort", done, { once: true });
      this.#wake = done;
    });
    this.#dirty = false;
  }

  close(): void {
    this.#watcher?.close();
    this.#wake?.();
  }

  #mark(): void {
    this.#dirty = true;
    this.#wake?.();
  }
}
