import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { isAuraeError } from "../../../../src/errors.js";
import { ContentStore } from "../../../../src/runtime/images/content-store.js";
import { digestHex, sha256Of } from "../../../../src/runtime/images/digest.js";

async function store(t: TestContext): Promise<{ root: string; content: ContentStore }> {
  const root = await mkdtemp(join(tmpdir(), "aurae-content-unit-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  return { root, content: new ContentStore(root) };
}

const BYTES = Buffer.from("the quick brown fox jumps over the lazy dog, twice: the quick brown fox jumps over the lazy dog");
const BLOB = { digest: sha256Of(BYTES), size: BYTES.length };

test("a verified blob lands under blobs/<algorithm>/<hex> and no ingest file stays", async (t) => {
  const { root, content } = await store(t);
  await content.writeBlob(BLOB, BYTES);
  assert.deepEqual(await readFile(join(root, "blobs", "sha256", digestHex(BLOB.digest))), BYTES);
  assert.deepEqual(await readdir(join(root, "ingest")), []);
  assert.deepEqual(await content.list(), [BLOB.digest]);
  assert.deepEqual(await content.verify(), []);
});

test("bytes that do not match the digest are refused as FAILED_PRECONDITION and nothing is kept", async (t) => {
  const { root, content } = await store(t);
  const wrong = Buffer.from(BYTES);
  wrong[3] = 0x21;
  await assert.rejects(content.writeBlob(BLOB, wrong), (err) => isAuraeError(err, "precondition") && err.message.includes(BLOB.digest));
  await assert.rejects(content.writeBlob(BLOB, BYTES.subarray(1)), (err) => isAuraeError(err, "precondition") && /got \d+ of \d+ bytes/.test(err.message));
  await assert.rejects(content.writeBlob(BLOB, Buffer.concat([BYTES, Buffer.from("!")])), (err) => isAuraeError(err, "precondition"));
  assert.deepEqual(await content.list(), []);
  assert.deepEqual(await readdir(join(root, "ingest")), []);
});

test("what a crash left in ingest/ is resumed from its end, re-hashed from disk, never read as content", async (t) => {
  const { root, content } = await store(t);
  await mkdir(join(root, "ingest"), { recursive: true });
  await writeFile(join(root, "ingest", `sha256-${digestHex(BLOB.digest)}`), BYTES.subarray(0, 40));
  assert.equal(await content.has(BLOB), false);
  assert.deepEqual(await content.list(), []);
  const offsets: number[] = [];
  await content.ingest(BLOB, async (ingest) => {
    offsets.push(ingest.offset);
    await ingest.write(BYTES.subarray(ingest.offset));
  });
  assert.deepEqual(offsets, [40]);
  assert.deepEqual(await content.verify(), []);
  assert.equal(await content.has(BLOB), true);
});

test("a crash-left partial whose bytes are wrong is dropped and the blob fetched again from the start", async (t) => {
  const { root, content } = await store(t);
  await mkdir(join(root, "ingest"), { recursive: true });
  await writeFile(join(root, "ingest", `sha256-${digestHex(BLOB.digest)}`), Buffer.alloc(40)); // zeros: writes lost in the crash
  const offsets: number[] = [];
  await content.ingest(BLOB, async (ingest) => {
    offsets.push(ingest.offset);
    await ingest.write(BYTES.subarray(ingest.offset));
  });
  assert.deepEqual(offsets, [40, 0]);
  assert.deepEqual(await content.verify(), []);
});

test("two ingests of one digest at once download it once", async (t) => {
  const { content } = await store(t);
  let fills = 0;
  const fill = async (ingest: { write(b: Uint8Array): Promise<void> }) => {
    fills++;
    await ingest.write(BYTES);
  };
  await Promise.all([content.ingest(BLOB, fill), content.ingest(BLOB, fill), content.ingest(BLOB, fill)]);
  assert.equal(fills, 1);
});

test("verify names a stored blob whose content no longer matches its name", async (t) => {
  const { root, content } = await store(t);
  await content.writeBlob(BLOB, BYTES);
  await writeFile(join(root, "blobs", "sha256", digestHex(BLOB.digest)), "tampered");
  assert.deepEqual(await content.verify(), [BLOB.digest]);
});
