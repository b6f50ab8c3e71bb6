// Every refusal is audited, but an identity refused over and over (a revoked certificate retrying, a script without
// a grant in a loop) must not flood the audit log, whose retention would then drop the records that matter. Per
// identity, the first refusals of each window are recorded one by one, the rest as one summary when it closes.
import type { AuditEntry } from "../domain/audit/audit-entry.js";
import { WindowCoalescer } from "./window-coalescer.js";

export interface RefusalAuditOptions {
  /** Refusals of one identity recorded one by one per window. */
  readonly perWindow?: number;
  readonly windowMs?: number;
  readonly now?: () => number;
}

export class RefusalAudit {
  readonly #coalescer: WindowCoalescer<AuditEntry>;

  constructor(record: (entry: AuditEntry) => unknown, options: RefusalAuditOptions = {}) {
    const windowMs = options.windowMs ?? 10_000;
    this.#coalescer = new WindowCoalescer<AuditEntry>({
      perWindow: options.perWindow ?? 20,
      windowMs,
      now: options.now,
      keyOf: (entry) => entry.identity || entry.peer,
      pass: record,
      summarise: (last, suppressed) =>
        record({
          ...last,
          details: `and ${suppressed} more refusals of this caller within ${windowMs / 1000} s, not recorded one by one; the last: ${last.details}`,
        }),
    });
  }

  refused(entry: AuditEntry): void {
    this.#coalescer.add(entry);
  }

  /** Writes the summaries of windows that have closed, and forgets them. */
  flush(): void {
    this.#coalescer.flush();
  }

  close(): void {
    this.#coalescer.close();
  }
}
