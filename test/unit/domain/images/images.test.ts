// The Images domain over a real node database, content store and snapshot directory (no registry: the tests that
// need one are in test/e2e/images): Remove refused while a container holds the image, Prune removing only what no
// lease holds and freeing what DiskUsage called reclaimable, and Prune waiting for a pull under way.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { setImmediate as tick } from "node:timers/promises";
import { Images } from "../../../../src/domain/images/images.js";
import { ContentStore } from "../../../../src/runtime/images/content-store.js";
import type { Digest } from "../../../../src/runtime/images/digest.js";
import type { RegistryClient } from "../../../../src/runtime/images/registry-client.js";
import { Snapshotter } from "../../../../src/runtime/images/snapshots.js";
import { openDatabase } from "../../../../src/store/database.js";
import { ImagesStore } from "../../../../src/store/images-store.js";
import { tempDir } from "../../helpers/temp-dir.js";

const digestOf = (bytes: Buffer): Digest => `sha256:${createHash("sha256").update(bytes).digest("hex")}` as Digest;

async function setup(t: TestContext, registry = {} as RegistryClient) {
  const dir = await tempDir(t);
  const db = openDatabase(join(dir, "aurae.db"));
  t.after(() => db.close());
  const store = new ImagesStore(db);
  const content = new ContentStore(join(dir, "content"));
  const snapshots = new Snapshotter({ root: join(dir, "snapshots"), content });
  const blob = async (text: string) => {
    const bytes = Buffer.from(text);
    const spec = { digest: digestOf(bytes), size: bytes.length };
    await content.writeBlob(spec, bytes);
    return spec;
  };
  const layer = async (text: string) => {
    const diffId = digestOf(Buffer.from(text));
    await mkdir(snapshots.layerDir(diffId), { recursive: true });
    await writeFile(join(snapshots.layerDir(diffId), "file"), text);
    return diffId;
  };
  const images = new Images({ store, content, snapshots, registry, now: () => 1000 });
  /** Records an image named `name` holding `blobs` and `diffId` as a pull would. */
  const record = (name: string, blobs: readonly { digest: Digest; size: number }[], diffId: Digest) =>
    store.put({
      name, digest: blobs[0]!.digest, mediaType: "application/vnd.oci.image.manifest.v1+json", manifestDigest: blobs[0]!.digest,
      configDigest: blobs[1]!.digest, platform: "linux/amd64", size: 0,
      layers: JSON.stringify([{ digest: blobs[2]!.digest, size: blobs[2]!.size, mediaType: "x", diffId }]), config: "{}",
      createdAtMs: 1, updatedAtMs: 1,
    }, `image:${name}`, [...blobs.map((b) => `blob:${b.digest}`), `snapshot:${diffId}`]);
  return { store, content, snapshots, images, blob, layer, record };
}

test("Remove is refused while a container holds the image, names the holder, and goes through when forced", async (t) => {
  const { store, images, blob, layer, record } = await setup(t);
  const blobs = [await blob("manifest"), await blob("config"), await blob("layer")];
  record("r.io/app:v1", blobs, await layer("tar"));
  store.hold("container:web", [`blob:${blobs[0]!.digest}`]);
  assert.throws(() => images.remove("r.io/app:v1", false), (err: Error) =>
    (err as { kind?: string }).kind === "precondition" && err.message.includes("container:web") && err.message.includes("r.io/app:v1"));
  assert.equal(images.list().length, 1, "nothing removed");
  assert.equal(images.remove("r.io/app:v1", true).name, "r.io/app:v1");
  assert.deepEqual(images.list(), []);
});

test("Prune removes only what no lease holds, and frees exactly what DiskUsage called reclaimable", async (t) => {
  const { store, content, snapshots, images, blob, layer, record } = await setup(t);
  const kept = [await blob("manifest-1"), await blob("config-1"), await blob("layer-1")];
  const keptLayer = await layer("tar-1");
  record("r.io/keep:v1", kept, keptLayer);
  const gone = [await blob("manifest-2"), await blob("config-2"), await blob("layer-2-bigger")];
  const goneLayer = await layer("tar-2");
  record("r.io/gone:v1", gone, goneLayer);
  store.hold("container:c1", [`snapshot:${keptLayer}`]);
  images.remove("r.io/gone:v1", false);

  const usage = await images.diskUsage();
  assert.equal(usage.images, 1);
  const expected = gone.reduce((sum, b) => sum + b.size, 0) + "tar-2".length;
  assert.equal(usage.reclaimableBytes, expected);
  const pruned = await images.prune();
  assert.deepEqual(pruned, { blobsRemoved: 3, layersRemoved: 1, bytesFreed: expected });
  assert.deepEqual((await content.list()).sort(), kept.map((b) => b.digest).sort());
  assert.deepEqual(await snapshots.layers(), [keptLayer]);
  assert.equal((await images.diskUsage()).reclaimableBytes, 0);
});

test("Prune waits for a pull under way: what the pull stored is held by no lease yet", async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let fetching!: () => void;
  const started = new Promise<void>((resolve) => (fetching = resolve));
  let released = false;
  let listedWhilePulling = false;
  const registry = {
    fetchManifest: async () => {
      fetching();
      await gate;
      throw Object.assign(new Error("registry went away"), { name: "AuraeError" });
    },
  } as unknown as RegistryClient;
  const { images, content } = await setup(t, registry);
  // Prune's first step lists the stored blobs, in the microtasks right after it is called unless it waits.
  const list = content.list.bind(content);
  content.list = () => ((listedWhilePulling ||= !released), list());
  const pull = images.pull({ reference: "r.io/app:v1" }, AbortSignal.timeout(10_000)).catch(() => "failed");
  await started;
  const prune = images.prune();
  for (let i = 0; i < 20; i++) await tick();
  released = true;
  release();
  assert.equal(await pull, "failed");
  assert.deepEqual(await prune, { blobsRemoved: 0, layersRemoved: 0, bytesFreed: 0 });
  assert.equal(listedWhilePulling, false, "Prune looked at the store only once the pull was over");
});
