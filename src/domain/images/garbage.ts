// Garbage collection of the image store: a blob or layer snapshot no lease holds is garbage, and so is a partial
// download no pull is resuming. DiskUsage counts the same way Prune removes, so what it calls reclaimable is what
// a Prune right after it frees.
import type { ContentStore } from "../../runtime/images/content-store.js";
import type { Snapshotter } from "../../runtime/images/snapshots.js";

export interface GarbageDeps {
  readonly content: ContentStore;
  readonly snapshots: Snapshotter;
}

export interface DiskUsage {
  readonly images: number;
  readonly blobs: number;
  readonly blobBytes: number;
  readonly layers: number;
  readonly layerBytes: number;
  readonly ingestBytes: number;
  /** What Prune would free now: unheld blobs and layers, and partial downloads. */
  readonly reclaimableBytes: number;
}

export interface PruneResult {
  readonly blobsRemoved: number;
  readonly layersRemoved: number;
  readonly bytesFreed: number;
}

interface Item {
  readonly resource: string;
  readonly bytes: number;
  readonly remove: () => Promise<void>;
}

/** Every blob and layer snapshot with its size and how to remove it. */
async function inventory({ content, snapshots }: GarbageDeps): Promise<{ blobs: Item[]; layers: Item[] }> {
  const blobs: Item[] = [];
  for (const digest of await content.list())
    blobs.push({ resource: `blob:${digest}`, bytes: await content.blobBytes(digest), remove: () => content.remove(digest) });
  const layers: Item[] = [];
  for (const diffId of await snapshots.layers())
    layers.push({ resource: `snapshot:${diffId}`, bytes: await snapshots.layerBytes(diffId), remove: () => snapshots.removeLayer(diffId) });
  return { blobs, layers };
}

const sum = (items: readonly Item[]): number => items.reduce((total, item) => total + item.bytes, 0);

export async function measureDiskUsage(deps: GarbageDeps, held: ReadonlySet<string>, images: number): Promise<DiskUsage> {
  const { blobs, layers } = await inventory(deps);
  const ingestBytes = await deps.content.ingestBytes();
  const garbage = [...blobs, ...layers].filter((item) => !held.has(item.resource));
  return {
    images, blobs: blobs.length, blobBytes: sum(blobs), layers: layers.length, layerBytes: sum(layers), ingestBytes,
    reclaimableBytes: sum(garbage) + ingestBytes,
  };
}

/** Removes what `held` does not name; the caller makes sure no pull is storing content meanwhile. */
export async function collectGarbage(deps: GarbageDeps, held: ReadonlySet<string>): Promise<PruneResult> {
  const { blobs, layers } = await inventory(deps);
  const unheldBlobs = blobs.filter((item) => !held.has(item.resource));
  const unheldLayers = layers.filter((item) => !held.has(item.resource));
  for (const item of [...unheldBlobs, ...unheldLayers]) await item.remove();
  const ingestBytes = await deps.content.removeIngests();
  return { blobsRemoved: unheldBlobs.length, layersRemoved: unheldLayers.length, bytesFreed: sum(unheldBlobs) + sum(unheldLayers) + ingestBytes };
}
