// One blob from a registry into the content store, resuming with `Range` after a dropped connection: the bytes
// that arrived stay in the ingest file and the next attempt asks only for the rest.
import { setTimeout as delay } from "node:timers/promises";
import { errnoCode, isAuraeError, unavailable } from "../../errors.js";
import type { BlobSpec, ContentStore } from "./content-store.js";
import type { ImageReference } from "./reference.js";
import type { RegistryClient, RequestOptions } from "./registry-client.js";

export interface DownloadOptions extends RequestOptions {
  /** Attempts per blob before giving up; each after the first resumes where the last stopped. */
  readonly maxAttempts: number;
  /** Called as bytes land, with the bytes of the blob stored so far. */
  readonly onBytes?: (doneBytes: number) => void;
}

const RETRY_DELAY_MS = 200;

/** Stores `blob` of `ref`'s repository unless it is stored already; throws the last error when every attempt failed. */
export async function downloadBlob(ref: ImageReference, blob: BlobSpec, deps: { registry: RegistryClient; content: ContentStore }, opts: DownloadOptions): Promise<void> {
  await deps.content.ingest(blob, async (ingest) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const { body, offset } = await deps.registry.openBlob(ref, blob.digest, ingest.offset, opts);
        if (offset !== ingest.offset) await ingest.reset();
        try {
          for await (const chunk of body as AsyncIterable<Buffer>) {
            await ingest.write(chunk);
            opts.onBytes?.(ingest.offset);
          }
        } finally {
          body.destroy();
        }
        if (ingest.offset === blob.size) return;
        throw unavailable(`blob ${blob.digest}: the registry ended the body at byte ${ingest.offset} of ${blob.size}`);
      } catch (err) {
        if (opts.signal.aborted) throw err;
        const retriable = isAuraeError(err, "unavailable") || isDroppedConnection(err);
        if (!retriable || attempt >= opts.maxAttempts) throw asAuraeError(err, blob, attempt);
        await delay(RETRY_DELAY_MS * attempt, undefined, { signal: opts.signal });
      }
    }
  });
}

/** A body cut short: Node reports `aborted` (ECONNRESET) on the response stream. */
const isDroppedConnection = (err: unknown): boolean =>
  !isAuraeError(err) && (errnoCode(err) === "ECONNRESET" || (err as Error | undefined)?.message === "aborted");

function asAuraeError(err: unknown, blob: BlobSpec, attempts: number): unknown {
  if (isAuraeError(err)) return err;
  return unavailable(`blob ${blob.digest}: connection dropped ${attempts} times: ${errnoCode(err) ?? (err as Error).message}`, { cause: err });
}
