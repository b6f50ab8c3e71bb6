/**
 * Notifications per key. `until` re-checks a condition at each `notify` of its key; its listeners (here and on the
 * signal) are removed when it returns, however it returns, so any number of waits may share one signal.
 */
export class StateChanges {
  readonly #waiters = new Map<string, Set<() => void>>();

  /** The first value `check` gives other than undefined; undefined once `signal` aborts first. */
  async until<T>(key: string, check: () => T | undefined, signal: AbortSignal): Promise<T | undefined> {
    let changed = false;
    let wake: (() => void) | undefined;
    const onChange = (): void => {
      changed = true;
      wake?.();
    };
    const waiters = this.#waiters.get(key) ?? new Set();
    this.#waiters.set(key, waiters);
    waiters.add(onChange);
    signal.addEventListener("abort", onChange);
    try {
      for (;;) {
        changed = false;
        const value = check();
        if (value !== undefined || signal.aborted) return value;
        if (!changed) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", onChange);
      waiters.delete(onChange);
      if (waiters.size === 0 && this.#waiters.get(key) === waiters) this.#waiters.delete(key);
    }
  }

  notify(key: string): void {
    for (const onChange of [...(this.#waiters.get(key) ?? [])]) onChange();
  }
}
