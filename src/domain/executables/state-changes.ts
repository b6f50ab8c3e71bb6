/** One-shot notifications per key: `next` resolves at the next `notify` of its key, or when `signal` aborts. */
export class StateChanges {
  readonly #waiters = new Map<string, Set<() => void>>();

  next(key: string, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const waiters = this.#waiters.get(key) ?? new Set();
      this.#waiters.set(key, waiters);
      const done = (): void => {
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiters.get(key) === waiters) this.#waiters.delete(key);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      waiters.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  notify(key: string): void {
    for (const done of [...(this.#waiters.get(key) ?? [])]) done();
  }
}
