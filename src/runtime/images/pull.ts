// Pulling an image: resolve the reference to a manifest (choosing this node's platform from an index), fetch the
// config, then the layers a few at a time; every blob is verified by the content store before it is stored, and the
// manifests are stored last, so a stored manifest means its config and layers are stored too.
import { AuraeError, invalid, isAuraeError, precondition, unsupported } from "../../errors.js";
import type { ContentStore } from "./content-store.js";
import type { Digest } from "./digest.js";
import { downloadBlob } from "./download-blob.js";
import { type ImageConfig, parseImageConfig } from "./image-config.js";
import { type Descriptor, type ParsedManifest, parseManifest, type Platform } from "./manifest.js";
import { formatPlatform, nodePlatform, selectPlatform } from "./platform.js";
import { formatReference, type ImageReference } from "./reference.js";
import type { FetchedManifest, RegistryClient, RequestOptions } from "./registry-client.js";

export interface PullDeps {
  readonly registry: RegistryClient;
  readonly content: ContentStore;
}

export interface PullOptions extends RequestOptions {
  /** The platform to choose from an index; the node's by default. */
  readonly platform?: Platform;
  /** Layers downloaded at once (default 3, as containerd's max_concurrent_downloads). */
  readonly maxConcurrentDownloads?: number;
  /** Attempts per blob (default 5); each retry resumes with Range. */
  readonly maxAttempts?: number;
  /** Progress of each blob: called when it starts, as bytes land, and when it is stored. */
  readonly onProgress?: (progress: BlobProgress) => void;
}

export interface BlobProgress {
  readonly digest: Digest;
  readonly doneBytes: number;
  readonly totalBytes: number;
  /** `cached`: already in the store, nothing transferred. */
  readonly state: "cached" | "downloading" | "stored";
}

export interface PulledImage {
  readonly reference: ImageReference;
  /** What the reference resolved to: the index's digest when it named an index, else the manifest's. */
  readonly digest: Digest;
  /** The media type of what the reference resolved to (an index or a manifest). */
  readonly mediaType: string;
  /** The platform's image manifest (equal to `digest` when there was no index). */
  readonly manifest: Descriptor;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly imageConfig: ImageConfig;
}

/** Layer media types we can unpack (OCI image-spec layer.md; Docker's rootfs.diff). */
export const LAYER_MEDIA_TYPES: readonly string[] = [
  "application/vnd.oci.image.layer.v1.tar",
  "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.oci.image.layer.v1.tar+zstd",
  "application/vnd.oci.image.layer.nondistributable.v1.tar",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  "application/vnd.docker.image.rootfs.diff.tar.gzip",
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
];

const DEFAULT_CONCURRENCY = 3;
const DEFAULT_ATTEMPTS = 5;

export async function pullImage(ref: ImageReference, deps: PullDeps, opts: PullOptions): Promise<PulledImage> {
  const what = `image ${formatReference(ref)}`;
  const platform = opts.platform ?? nodePlatform();
  const top = await deps.registry.fetchManifest(ref, ref.digest ?? ref.tag ?? "latest", opts);
  const topParsed = parseManifest(top.bytes, top.contentType, what);
  const { manifest, parsed, fetched } = topParsed.kind === "index"
    ? await resolvePlatform(ref, topParsed, platform, deps, opts, what)
    : { manifest: descriptorOf(top, topParsed.mediaType), parsed: topParsed, fetched: top };
  if (parsed.kind !== "manifest") throw invalid("reference", `${what}: the index entry for ${formatPlatform(platform)} is another index`);
  for (const layer of parsed.layers)
    if (!LAYER_MEDIA_TYPES.includes(layer.mediaType)) throw unsupported(`${what}: layer ${layer.digest} has media type ${layer.mediaType}, which Aurae cannot unpack`);

  const attempts = opts.maxAttempts ?? DEFAULT_ATTEMPTS;
  // The first layer that fails stops the others: their partial data is removed, not left behind.
  const failed = new AbortController();
  const layerOpts = { ...opts, signal: AbortSignal.any([opts.signal, failed.signal]) };
  const download = (blob: Descriptor) => fetchBlob(ref, blob, deps, layerOpts, attempts);
  await download(parsed.config);
  const imageConfig = parseImageConfig(await deps.content.readBlob(parsed.config.digest), what);
  if (imageConfig.diffIds.length !== parsed.layers.length)
    throw invalid("reference", `${what}: the config lists ${imageConfig.diffIds.length} diff IDs for ${parsed.layers.length} layers`);
  await eachBounded(parsed.layers, opts.maxConcurrentDownloads ?? DEFAULT_CONCURRENCY, download, () => failed.abort());

  await deps.content.writeBlob(manifest, fetched.bytes);
  if (fetched !== top) await deps.content.writeBlob(descriptorOf(top, topParsed.mediaType), top.bytes);
  return { reference: ref, digest: top.digest, mediaType: topParsed.mediaType, manifest, config: parsed.config, layers: parsed.layers, imageConfig };
}

async function resolvePlatform(ref: ImageReference, index: ParsedManifest & { kind: "index" }, platform: Platform, deps: PullDeps, opts: PullOptions, what: string):
  Promise<{ manifest: Descriptor; parsed: ParsedManifest; fetched: FetchedManifest }> {
  const chosen = selectPlatform(index.manifests, platform, what);
  const fetched = await deps.registry.fetchManifest(ref, chosen.digest, opts);
  if (fetched.bytes.length !== chosen.size)
    throw precondition(`${what}: manifest ${chosen.digest} has ${fetched.bytes.length} bytes, the index says ${chosen.size}`);
  return { manifest: chosen, parsed: parseManifest(fetched.bytes, fetched.contentType, what), fetched };
}

async function fetchBlob(ref: ImageReference, blob: Descriptor, deps: PullDeps, opts: PullOptions, maxAttempts: number): Promise<void> {
  const report = (state: BlobProgress["state"], doneBytes: number) =>
    opts.onProgress?.({ digest: blob.digest, doneBytes, totalBytes: blob.size, state });
  if (await deps.content.has(blob)) return report("cached", blob.size);
  report("downloading", 0);
  await downloadBlob(ref, blob, deps, { ...opts, maxAttempts, onBytes: (done) => report("downloading", done) }).catch((err: unknown) => {
    // The content store speaks of blobs; the caller asked for an image, so the error names it too.
    const what = `image ${formatReference(ref)}`;
    throw isAuraeError(err) && !err.message.startsWith(what) ? new AuraeError(err.kind, `${what}: ${err.message}`, err.field, { cause: err }) : err;
  });
  report("stored", blob.size);
}

const descriptorOf = (m: FetchedManifest, mediaType: string): Descriptor => ({ mediaType, digest: m.digest, size: m.bytes.length });

/**
 * Runs `fn` on every item, at most `limit` at once. The first failure calls `onFailure` (to stop the others) and is
 * thrown once every started call settled.
 */
async function eachBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>, onFailure: () => void): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++] as T;
      await fn(item).catch((err: unknown) => {
        if (failure) return;
        failure = { err };
        onFailure();
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.err;
}
