// Images and their leases: a pull again replaces what a name holds, a removal releases it, and what nobody holds
// is what Prune may collect.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { openDatabase } from "../../../src/store/database.js";
import { ImagesStore, type ImageRow } from "../../../src/store/images-store.js";
import { tempDir } from "../helpers/temp-dir.js";

async function open(t: TestContext): Promise<ImagesStore> {
  const db = openDatabase(join(await tempDir(t), "aurae.db"));
  t.after(() => db.close());
  return new ImagesStore(db);
}

const row = (name: string, digest: string, atMs: number): ImageRow => ({
  name, digest, mediaType: "application/vnd.oci.image.manifest.v1+json", manifestDigest: digest, configDigest: "sha256:c",
  platform: "linux/amd64", size: 10, layers: "[]", config: "{}", createdAtMs: atMs, updatedAtMs: atMs,
});

test("a name pulled again keeps its creation time and holds only its new content", async (t) => {
  const store = await open(t);
  store.put(row("r/a:1", "sha256:1", 5), "image:r/a:1", ["blob:sha256:1", "blob:sha256:old"]);
  store.put(row("r/a:1", "sha256:2", 9), "image:r/a:1", ["blob:sha256:2"]);
  assert.deepEqual([store.get("r/a:1")?.digest, store.get("r/a:1")?.createdAtMs, store.get("r/a:1")?.updatedAtMs], ["sha256:2", 5, 9]);
  assert.deepEqual([...store.held()], ["blob:sha256:2"]);
});

test("deleting an image releases its leases but not another holder's", async (t) => {
  const store = await open(t);
  store.put(row("r/a:1", "sha256:1", 1), "image:r/a:1", ["blob:sha256:1"]);
  store.put(row("r/a:2", "sha256:1", 1), "image:r/a:2", ["blob:sha256:1"]);
  assert.deepEqual(store.holders("blob:sha256:1"), ["image:r/a:1", "image:r/a:2"]);
  assert.equal(store.delete("r/a:1", "image:r/a:1"), true);
  assert.equal(store.delete("r/a:1", "image:r/a:1"), false);
  assert.deepEqual(store.holders("blob:sha256:1"), ["image:r/a:2"]);
  assert.deepEqual(store.list().map((r) => r.name), ["r/a:2"]);
});
