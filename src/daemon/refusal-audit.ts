// Every refusal is audited, but an identity refused over and over (a revoked certificate retrying, a script without
// a grant in a loop) must not flood the audit log, whose retention would then drop the records that matter. Per
// identity, the first refusals of each window are recorded one by one, the rest as one summary when it closes.
import type { AuditEntry } from "../domain/audit/audit-entry.js";

interface Window {
  startedAt: number;
  recorded: number;
  suppressed: number;
  last: AuditEntry | undefined;
}

export interface RefusalAuditOptions {
  /** Refusals of one identity recorded one by one per window. */
  readonly perWindow?: number;
  readonly windowMs?: number;
  readonly now?: () => number;
}

export class RefusalAudit {
  readonly #windows = new Map<string, Window>();
  readonly #perWindow: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly record: (entry: AuditEntry) => unknown,
    options: RefusalAuditOptions = {},
  ) {
    this.#perWindow = options.perWindow ?? 20;
    this.#windowMs = options.windowMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => this.flush(), this.#windowMs).unref();
  }

  refused(entry: AuditEntry): void {
    const key = entry.identity || entry.peer;
    const now = this.#now();
    let window = this.#windows.get(key);
    if (window && now - window.startedAt >= this.#windowMs) {
      this.#summarise(window);
      window = undefined;
    }
    if (!window) this.#windows.set(key, (window = { startedAt: now, recorded: 0, suppressed: 0, last: undefined }));
    if (window.recorded < this.#perWindow) {
      window.recorded += 1;
      this.record(entry);
    } else {
      window.suppressed += 1;
      window.last = entry;
    }
  }

  /** Writes the summaries of windows that have closed, and forgets them. */
  flush(): void {
    const now = this.#now();
    for (const [key, window] of this.#windows) {
      if (now - window.startedAt < this.#windowMs) continue;
      this.#summarise(window);
      this.#windows.delete(key);
    }
  }

  close(): void {
    clearInterval(this.#timer);
    for (const window of this.#windows.values()) this.#summarise(window);
    this.#windows.clear();
  }

  #summarise(window: Window): void {
    const last = window.last;
    if (!last || window.suppressed === 0) return;
    const seconds = this.#windowMs / 1000;
    this.record({
      ...last,
      details: `and ${window.suppressed} more refusals of this caller within ${seconds} s, not recorded one by one; the last: ${last.details}`,
    });
    window.suppressed = 0;
    window.last = undefined;
  }
}
