// Something refused over and over (a caller retrying, a peer flooding handshakes) must not flood the record it goes
// to. Per key, the first items of each window pass one by one; the rest are counted and summarised, with the last
// of them, when the window closes. Shared by the audit of refusals and the daemon log's handshake refusals.

export interface WindowCoalescerOptions<T> {
  /** Items of one key passed one by one per window. */
  readonly perWindow: number;
  readonly windowMs: number;
  readonly keyOf: (item: T) => string;
  readonly pass: (item: T) => unknown;
  /** Called once per window that held back items: how many, and the last of them. */
  readonly summarise: (last: T, suppressed: number) => unknown;
  /** Keys tracked at once; past it, new keys share one window (a flood from many addresses stays bounded). */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

interface Window<T> {
  startedAt: number;
  passed: number;
  suppressed: number;
  last: T | undefined;
}

const SHARED_KEY = "\0shared";

export class WindowCoalescer<T> {
  readonly #windows = new Map<string, Window<T>>();
  readonly #now: () => number;
  readonly #maxKeys: number;
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly options: WindowCoalescerOptions<T>) {
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#timer = setInterval(() => this.flush(), options.windowMs).unref();
  }

  add(item: T): void {
    const { perWindow, windowMs, keyOf, pass } = this.options;
    let key = keyOf(item);
    if (!this.#windows.has(key) && this.#windows.size >= this.#maxKeys) key = SHARED_KEY;
    const now = this.#now();
    let window = this.#windows.get(key);
    if (window && now - window.startedAt >= windowMs) {
      this.#summarise(window);
      window = undefined;
    }
    if (!window) this.#windows.set(key, (window = { startedAt: now, passed: 0, suppressed: 0, last: undefined }));
    if (window.passed < perWindow) {
      window.passed += 1;
      pass(item);
    } else {
      window.suppressed += 1;
      window.last = item;
    }
  }

  /** Summarises the windows that have closed, and forgets them. */
  flush(): void {
    const now = this.#now();
    for (const [key, window] of this.#windows) {
      if (now - window.startedAt < this.options.windowMs) continue;
      this.#summarise(window);
      this.#windows.delete(key);
    }
  }

  /** Stops the timer and summarises every window, closed or not. */
  close(): void {
    clearInterval(this.#timer);
    for (const window of this.#windows.values()) this.#summarise(window);
    this.#windows.clear();
  }

  #summarise(window: Window<T>): void {
    if (window.last === undefined || window.suppressed === 0) return;
    this.options.summarise(window.last, window.suppressed);
    window.suppressed = 0;
    window.last = undefined;
  }
}
