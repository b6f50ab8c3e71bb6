// Security material is reloaded while the daemon serves: when a watched file changes (a new server certificate, a
// federated bundle dropped in, an edited policy) and on SIGHUP. Changes come in bursts (a key and a certificate,
// an editor's temp files), so one reload runs after the burst settles.
import { watch, type FSWatcher } from "node:fs";
import type { Logger } from "pino";

const SETTLE_MS = 150;

export class Reloader {
  readonly #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(
    private readonly reload: () => Promise<void>,
    private readonly log: Logger,
  ) {}

  /** Watches directories that exist now; a missing one is skipped (SIGHUP still reloads). */
  watch(dirs: readonly string[]): void {
    for (const dir of dirs) {
      try {
        this.#watchers.push(watch(dir, { persistent: false }, () => this.schedule()));
      } catch (err) {
        this.log.debug({ dir, err }, "not watching a missing directory");
      }
    }
  }

  /** Reloads once the current burst of changes settles. */
  schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.now(), SETTLE_MS);
  }

  /** Reloads now, after any reload under way; never two at once. */
  now(): Promise<void> {
    this.#running = this.#running.then(this.reload).catch((err: unknown) => this.log.error({ err }, "reload failed"));
    return this.#running;
  }

  close(): void {
    clearTimeout(this.#timer);
    for (const watcher of this.#watchers) watcher.close();
  }
}
