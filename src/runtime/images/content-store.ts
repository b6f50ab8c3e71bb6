// The content store: blobs by digest under <root>/blobs/<algorithm>/<hex> (the OCI image layout's shape), so a
// layer two images share is stored once. A blob is written to <root>/ingest/<algorithm>-<hex>, hashed as it lands,
// and only when its size and digest match the descriptor fsynced and renamed into blobs/; a crash leaves at most
// an ingest file, which the next download of that digest resumes (re-hashing what is there) and which is never
// read as content.
import { createReadStream, type ReadStream } from "node:fs";
import { type FileHandle, mkdir, open, readFile, rename, rm, stat, truncate } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, isAuraeError, osError, precondition } from "../../errors.js";
import { type Digest, digestAlgorithm, digestHex, hasherFor, parseDigest } from "./digest.js";
import { bytesUnder, readdirOrEmpty } from "./disk-usage.js";

/** What a blob must be: the store checks both before committing. */
export interface BlobSpec {
  readonly digest: Digest;
  readonly size: number;
}

export class ContentStore {
  /** One ingest per digest at a time in this process: a second pull of the same layer waits for the first. */
  readonly #ingesting = new Map<Digest, Promise<void>>();

  constructor(readonly root: string) {}

  blobPath(digest: Digest): string {
    return join(this.root, "blobs", digestAlgorithm(digest), digestHex(digest));
  }

  /** Whether the blob is stored with the expected size (its digest was verified when it was committed). */
  async has(blob: BlobSpec): Promise<boolean> {
    const st = await stat(this.blobPath(blob.digest)).catch((err: unknown) => {
      if (errnoCode(err) === "ENOENT") return undefined;
      throw osError("stat", this.blobPath(blob.digest), err);
    });
    return st?.size === blob.size;
  }

  /** Stores `bytes` as `blob` (small blobs: manifests, configs), verified first. */
  async writeBlob(blob: BlobSpec, bytes: Uint8Array): Promise<void> {
    await this.ingest(blob, async (ingest) => {
      await ingest.reset();
      await ingest.write(bytes);
    });
  }

  /**
   * Runs `fill` with an ingest for `blob` and commits what it wrote; nothing happens when the blob is already stored.
   * `fill` resumes from `ingest.offset` (what a crashed attempt left). If `fill` throws or the data does not verify
   * (`precondition`), the partial data is removed and the error rethrown: a failed pull leaves the store unchanged.
   */
  async ingest(blob: BlobSpec, fill: (ingest: Ingest) => Promise<void>): Promise<void> {
    // Chained synchronously, so every caller for a digest queues behind the one before it.
    const previous = this.#ingesting.get(blob.digest) ?? Promise.resolve();
    const work = previous.catch(() => undefined).then(async () => {
      if (!(await this.has(blob))) await this.#ingestOnce(blob, fill);
    });
    this.#ingesting.set(blob.digest, work);
    try {
      await work;
    } finally {
      if (this.#ingesting.get(blob.digest) === work) this.#ingesting.delete(blob.digest);
    }
  }

  readBlob(digest: Digest): Promise<Buffer> {
    return readFile(this.blobPath(digest)).catch((err: unknown) => Promise.reject(osError("read blob", digest, err)));
  }

  openBlob(digest: Digest): ReadStream {
    return createReadStream(this.blobPath(digest));
  }

  /** Every stored digest (ingest files are not content). */
  async list(): Promise<Digest[]> {
    const found: Digest[] = [];
    const blobs = join(this.root, "blobs");
    for (const algorithm of await readdirOrEmpty(blobs))
      for (const hex of await readdirOrEmpty(join(blobs, algorithm)))
        found.push(parseDigest(`${algorithm}:${hex}`, "blob"));
    return found;
  }

  /** Re-hashes every stored blob: the digests whose content does not match their name (none, in a sound store). */
  async verify(): Promise<Digest[]> {
    const bad: Digest[] = [];
    for (const digest of await this.list()) {
      const hash = hasherFor(digest);
      for await (const chunk of this.openBlob(digest)) hash.update(chunk as Buffer);
      if (hash.digest("hex") !== digestHex(digest)) bad.push(digest);
    }
    return bad;
  }

  /** The stored size of a blob, 0 when it is not stored. */
  blobBytes(digest: Digest): Promise<number> {
    return bytesUnder(this.blobPath(digest));
  }

  /** The bytes of partial downloads (what `removeIngests` would free when no pull runs). */
  ingestBytes(): Promise<number> {
    return bytesUnder(join(this.root, "ingest"));
  }

  async remove(digest: Digest): Promise<void> {
    await rm(this.blobPath(digest), { force: true });
  }

  /** Removes partial downloads no pull is resuming (after a crash, or for Prune). Returns the bytes freed. */
  async removeIngests(): Promise<number> {
    let freed = 0;
    const dir = join(this.root, "ingest");
    for (const name of await readdirOrEmpty(dir)) {
      const path = join(dir, name);
      const digest = name.replace("-", ":") as Digest;
      if (this.#ingesting.has(digest)) continue;
      freed += (await stat(path).catch(() => undefined))?.size ?? 0;
      await rm(path, { force: true });
    }
    return freed;
  }

  async #ingestOnce(blob: BlobSpec, fill: (ingest: Ingest) => Promise<void>): Promise<void> {
    const dir = join(this.root, "ingest");
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${digestAlgorithm(blob.digest)}-${digestHex(blob.digest)}`);
    const ingest = await Ingest.open(path, blob);
    const resumed = ingest.offset > 0;
    try {
      await fill(ingest);
      await ingest.verify();
    } catch (err) {
      await ingest.close();
      await rm(path, { force: true });
      // What a crash left may not be what was received (writes lost before the crash): one fresh start.
      if (resumed && isAuraeError(err, "precondition")) return this.#ingestOnce(blob, fill);
      throw err;
    }
    await ingest.commit(this.blobPath(blob.digest));
  }
}

/** A blob being written: appends at `offset`, hashing as it goes. */
export class Ingest {
  #offset: number;
  #hash;

  private constructor(private readonly path: string, private readonly file: FileHandle, readonly blob: BlobSpec, offset: number, hash: ReturnType<typeof hasherFor>) {
    this.#offset = offset;
    this.#hash = hash;
  }

  /** Opens `path`, keeping what a previous attempt left there (its bytes are re-hashed from disk). */
  static async open(path: string, blob: BlobSpec): Promise<Ingest> {
    const file = await open(path, "a+").catch((err: unknown) => Promise.reject(osError("open", path, err)));
    const size = (await file.stat()).size;
    const hash = hasherFor(blob.digest);
    if (size > blob.size) {
      await truncate(path, 0);
      return new Ingest(path, file, blob, 0, hash);
    }
    if (size > 0)
      for await (const chunk of file.createReadStream({ start: 0, end: size - 1, autoClose: false })) hash.update(chunk as Buffer);
    return new Ingest(path, file, blob, size, hash);
  }

  /** Bytes already written: where a resumed download starts. */
  get offset(): number {
    return this.#offset;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#offset + chunk.length > this.blob.size) {
      throw precondition(`blob ${this.blob.digest}: more than the ${this.blob.size} bytes its descriptor says`);
    }
    await this.file.write(chunk);
    this.#hash.update(chunk);
    this.#offset += chunk.length;
  }

  /** Starts over (the server sent the whole blob instead of the range asked for). */
  async reset(): Promise<void> {
    await this.file.truncate(0);
    this.#offset = 0;
    this.#hash = hasherFor(this.blob.digest);
  }

  /** Throws `precondition` unless size and digest match the descriptor. */
  async verify(): Promise<void> {
    if (this.#offset !== this.blob.size) throw precondition(`blob ${this.blob.digest}: got ${this.#offset} of ${this.blob.size} bytes`);
    const actual = this.#hash.copy().digest("hex");
    if (actual === digestHex(this.blob.digest)) return;
    throw precondition(`blob ${this.blob.digest}: content has digest ${digestAlgorithm(this.blob.digest)}:${actual}`);
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  /** Durable before visible: the data reaches the disk, then the rename, then the directory entry. */
  async commit(target: string): Promise<void> {
    await this.file.sync();
    await this.file.close();
    const dir = join(target, "..");
    await mkdir(dir, { recursive: true });
    await rename(this.path, target).catch((err: unknown) => Promise.reject(osError("rename into", target, err)));
    await syncDir(dir);
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
