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
  /** Its size, walked only when asked: a layer snapshot is a whole tree. */
  readonly bytes: () => Promise<number>;
  readonly remove: () => Promise<void>;
}

/** Every blob and layer snapshot, with how to size and remove it. */
async function inventory({ content, snapshots }: GarbageDeps): Promise<{ blobs: Item[]; layers: Item[] }> {
  const blobs = (await content.list()).map((digest): Item => ({
    resource: `blob:${digest}`, bytes: () => content.blobBytes(digest), remove: () => content.remove(digest),
  }));
  const layers = (await snapshots.layers()).map((diffId): Item => ({
    resource: `snapshot:${diffId}`, bytes: () => snapshots.layerBytes(diffId), remove: () => snapshots.removeLayer(diffId),
  }));
  return { blobs, layers };
}

async function sum(items: readonly Item[]): Promise<number> {
  let total = 0;
  for (const item of items) total += await item.bytes();
  return total;
}

export async function measureDiskUsage(deps: GarbageDeps, held: ReadonlySet<string>, images: number): Promise<DiskUsage> {
  const { blobs, layers } = await inventory(deps);
  const sized = async (items: readonly Item[]): Promise<{ held: boolean; bytes: number }[]> => {
    const out = [];
    for (const item of items) out.push({ held: held.has(item.resource), bytes: await item.bytes() });
    return out;
  };
  const [blobSizes, layerSizes] = [await sized(blobs), await sized(layers)];
  const total = (sizes: readonly { bytes: number }[]): number => sizes.reduce((t, { bytes }) => t + bytes, 0);
  const ingestBytes = await deps.content.ingestBytes();
  return {
    images, blobs: blobs.length, blobBytes: total(blobSizes), layers: layers.length, layerBytes: total(layerSizes), ingestBytes,
    reclaimableBytes: total([...blobSizes, ...layerSizes].filter((size) => !size.held)) + ingestBytes,
  };
}

/** Removes what `held` does not name; the caller makes sure no pull is storing content meanwhile. */
export async function collectGarbage(deps: GarbageDeps, held: ReadonlySet<string>): Promise<PruneResult> {
  const { blobs, layers } = await inventory(deps);
  const unheldBlobs = blobs.filter((item) => !held.has(item.resource));
  const unheldLayers = layers.filter((item) => !held.has(item.resource));
  // Sized before removal, and only what goes: held layers are never walked.
  const bytesFreed = await sum([...unheldBlobs, ...unheldLayers]);
  for (const item of [...unheldBlobs, ...unheldLayers]) await item.remove();
  const ingestBytes = await deps.content.removeIngests();
  return { blobsRemoved: unheldBlobs.length, layersRemoved: unheldLayers.length, bytesFreed: bytesFreed + ingestBytes };
}
