// The node's images: pulled through the runtime's registry client into the content store, each layer unpacked
// once, and recorded in the node database under its canonical reference with leases on every blob and layer
// snapshot it uses, so that Prune collects only what no image or container holds.
import { invalid, notFound, precondition, quote } from "../../errors.js";
import type { ContentStore } from "../../runtime/images/content-store.js";
import type { Credentials } from "../../runtime/images/credentials.js";
import type { Digest } from "../../runtime/images/digest.js";
import type { ImageConfig } from "../../runtime/images/image-config.js";
import type { Platform } from "../../runtime/images/manifest.js";
import { formatPlatform } from "../../runtime/images/platform.js";
import { type BlobProgress, pullImage, type PulledImage } from "../../runtime/images/pull.js";
import { formatReference, parseReference } from "../../runtime/images/reference.js";
import type { RegistryClient } from "../../runtime/images/registry-client.js";
import type { Snapshotter } from "../../runtime/images/snapshots.js";
import type { ImageRow, ImagesStore } from "../../store/images-store.js";
import { collectGarbage, measureDiskUsage, type DiskUsage, type PruneResult } from "./garbage.js";

export interface ImagesDeps {
  readonly store: ImagesStore;
  readonly content: ContentStore;
  readonly snapshots: Snapshotter;
  readonly registry: RegistryClient;
  readonly now?: () => number;
}

export interface ImageLayer {
  readonly digest: Digest;
  readonly size: number;
  readonly mediaType: string;
  readonly diffId: Digest;
}

/** An image as the node database records it (`name` is the canonical reference), its layers and config parsed. */
export interface ImageRecord extends Omit<ImageRow, "layers" | "config"> {
  readonly layers: readonly ImageLayer[];
  readonly config: ImageConfig;
}

export interface PullRequest {
  readonly reference: string;
  readonly platform?: Platform;
  /** For the registry only: never logged, never stored. */
  readonly credentials?: Credentials;
  readonly onProgress?: (progress: BlobProgress) => void;
}

export type { BlobProgress, DiskUsage, PruneResult };

const holderOf = (name: string): string => `image:${name}`;

export class Images {
  readonly #now: () => number;
  /** Pulls under way: Prune waits for them, as the blobs they stored are held by no lease yet. */
  readonly #pulls = new Set<Promise<unknown>>();
  /** The last Prune: a pull starts after it. */
  #pruning: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ImagesDeps) {
    this.#now = deps.now ?? Date.now;
  }

  /** Pulls `reference`, unpacks its layers and records it; answers the record. */
  async pull(req: PullRequest, signal: AbortSignal): Promise<ImageRecord> {
    const ref = parseReference(req.reference.trim(), "reference");
    const pruning = this.#pruning;
    const work = (async () => {
      await pruning;
      const pulled = await pullImage(ref, this.deps, {
        signal, ...(req.platform && { platform: req.platform }), ...(req.credentials && { credentials: req.credentials }),
        ...(req.onProgress && { onProgress: req.onProgress }),
      });
      const layers = pulled.layers.map((l, i) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: pulled.imageConfig.diffIds[i]! }));
      for (const layer of layers) await this.deps.snapshots.unpack({ blob: layer, diffId: layer.diffId }, signal);
      return this.#record(formatReference(ref), pulled, layers);
    })();
    this.#pulls.add(work);
    try {
      return await work;
    } finally {
      this.#pulls.delete(work);
    }
  }

  list(): ImageRecord[] {
    return this.deps.store.list().map(recordOf);
  }

  /** The image `reference` names (a short name as `docker pull` reads it). */
  get(reference: string, field = "reference"): ImageRecord {
    const name = canonical(reference, field);
    const row = this.deps.store.get(name);
    if (!row) throw notFound(`image ${quote(name)} is not on this node`);
    return recordOf(row);
  }

  /** Gives the image `source` names a second name, `target` (a tag, no digest); an image of that name is replaced. */
  tag(source: string, target: string): ImageRecord {
    const image = this.get(source, "source");
    const ref = parseReference(target.trim(), "target");
    if (ref.digest !== undefined) throw invalid("target", `${quote(target)} names a digest; a tag names a repository and a tag`);
    const now = this.#now();
    const name = formatReference(ref);
    const row = { ...rowOf(image), name, createdAtMs: this.deps.store.get(name)?.createdAtMs ?? now, updatedAtMs: now };
    this.deps.store.put(row, holderOf(name), leasesOf(image));
    return recordOf(row);
  }

  /**
   * Removes the name `reference`; its content stays until Prune. Refused while anything but an image (a container)
   * holds what it names, unless `force`.
   */
  remove(reference: string, force: boolean): ImageRecord {
    const image = this.get(reference);
    const users = this.deps.store.holders(`blob:${image.manifestDigest}`).filter((h) => !h.startsWith("image:"));
    if (users.length > 0 && !force)
      throw precondition(`image ${quote(image.name)} is used by ${users.join(", ")}; remove them first or force it`);
    this.deps.store.delete(image.name, holderOf(image.name));
    return image;
  }

  /** Removes every blob, layer snapshot and partial download no lease holds; answers what it freed. */
  prune(): Promise<PruneResult> {
    const run = this.#pruning.then(async () => {
      while (this.#pulls.size > 0) await Promise.allSettled([...this.#pulls]);
      return collectGarbage(this.deps, this.deps.store.held());
    });
    this.#pruning = run.catch(() => undefined);
    return run;
  }

  diskUsage(): Promise<DiskUsage> {
    return measureDiskUsage(this.deps, this.deps.store.held(), this.deps.store.list().length);
  }

  #record(name: string, pulled: PulledImage, layers: readonly ImageLayer[]): ImageRecord {
    const now = this.#now();
    const record: ImageRecord = {
      name, digest: pulled.digest, mediaType: pulled.mediaType, manifestDigest: pulled.manifest.digest,
      configDigest: pulled.config.digest, platform: formatPlatform(pulled.imageConfig.platform),
      size: [pulled.config, pulled.manifest, ...pulled.layers].reduce((sum, d) => sum + d.size, 0), layers,
      config: pulled.imageConfig, createdAtMs: this.deps.store.get(name)?.createdAtMs ?? now, updatedAtMs: now,
    };
    this.deps.store.put(rowOf(record), holderOf(name), leasesOf(record));
    return record;
  }
}

/** The canonical name of a reference as a user writes it. */
const canonical = (reference: string, field: string): string => formatReference(parseReference(reference.trim(), field));

/** Everything an image holds: its target (an index, or the manifest), manifest, config, layer blobs and snapshots. */
const leasesOf = (image: ImageRecord): string[] => [
  ...new Set([image.digest, image.manifestDigest, image.configDigest, ...image.layers.map((l) => l.digest)].map((d) => `blob:${d}`)),
  ...new Set(image.layers.map((l) => `snapshot:${l.diffId}`)),
];

const rowOf = (r: ImageRecord): ImageRow => ({
  name: r.name, digest: r.digest, mediaType: r.mediaType, manifestDigest: r.manifestDigest, configDigest: r.configDigest,
  platform: r.platform, size: r.size, layers: JSON.stringify(r.layers), config: JSON.stringify(r.config),
  createdAtMs: r.createdAtMs, updatedAtMs: r.updatedAtMs,
});

const recordOf = (row: ImageRow): ImageRecord => ({
  ...row, layers: JSON.parse(row.layers) as ImageLayer[], config: JSON.parse(row.config) as ImageConfig,
});
