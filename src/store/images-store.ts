// Pulled images and the leases that keep their content: a blob or layer snapshot held by no lease is garbage.
import type { Db } from "./database.js";

export interface ImageRow {
  /** The canonical reference. */
  readonly name: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly manifestDigest: string;
  readonly configDigest: string;
  readonly platform: string;
  readonly size: number;
  /** JSON array of the layer descriptors with their diff IDs. */
  readonly layers: string;
  /** JSON of the parsed image config. */
  readonly config: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

const COLUMNS = `name, digest, media_type AS mediaType, manifest_digest AS manifestDigest, config_digest AS configDigest,
  platform, size, layers, config, created_at_ms AS createdAtMs, updated_at_ms AS updatedAtMs`;

export class ImagesStore {
  readonly #upsert;
  readonly #get;
  readonly #list;
  readonly #delete;
  readonly #lease;
  readonly #release;
  readonly #holders;
  readonly #held;

  constructor(private readonly db: Db) {
    // A name pulled again keeps its creation time; it now names what the pull resolved.
    this.#upsert = db.prepare<ImageRow>(
      `INSERT INTO images (name, digest, media_type, manifest_digest, config_digest, platform, size, layers, config,
         created_at_ms, updated_at_ms)
       VALUES (@name, @digest, @mediaType, @manifestDigest, @configDigest, @platform, @size, @layers, @config,
         @createdAtMs, @updatedAtMs)
       ON CONFLICT (name) DO UPDATE SET digest = excluded.digest, media_type = excluded.media_type,
         manifest_digest = excluded.manifest_digest, config_digest = excluded.config_digest, platform = excluded.platform,
         size = excluded.size, layers = excluded.layers, config = excluded.config, updated_at_ms = excluded.updated_at_ms`,
    );
    this.#get = db.prepare<[string], ImageRow>(`SELECT ${COLUMNS} FROM images WHERE name = ?`);
    this.#list = db.prepare<[], ImageRow>(`SELECT ${COLUMNS} FROM images ORDER BY name`);
    this.#delete = db.prepare<[string]>("DELETE FROM images WHERE name = ?");
    this.#lease = db.prepare<[string, string]>("INSERT OR IGNORE INTO leases (holder, resource) VALUES (?, ?)");
    this.#release = db.prepare<[string]>("DELETE FROM leases WHERE holder = ?");
    this.#holders = db.prepare<[string], { holder: string }>("SELECT holder FROM leases WHERE resource = ? ORDER BY holder");
    this.#held = db.prepare<[], { resource: string }>("SELECT DISTINCT resource FROM leases");
  }

  /** Records `row` and makes `holder` hold exactly `resources`, in one transaction. */
  put(row: ImageRow, holder: string, resources: readonly string[]): void {
    this.db.transaction(() => {
      this.#upsert.run(row);
      this.hold(holder, resources);
    })();
  }

  /** Makes `holder` (a container) hold exactly `resources`; none releases it. */
  hold(holder: string, resources: readonly string[]): void {
    this.db.transaction(() => {
      this.#release.run(holder);
      for (const resource of resources) this.#lease.run(holder, resource);
    })();
  }

  get(name: string): ImageRow | undefined {
    return this.#get.get(name);
  }

  list(): ImageRow[] {
    return this.#list.all();
  }

  /** Removes the image and the leases of `holder`; answers false when there was no such image. */
  delete(name: string, holder: string): boolean {
    return this.db.transaction(() => {
      this.#release.run(holder);
      return this.#delete.run(name).changes === 1;
    })();
  }

  /** The holders of `resource`, sorted. */
  holders(resource: string): string[] {
    return this.#holders.all(resource).map((r) => r.holder);
  }

  /** Every resource some lease holds. */
  held(): Set<string> {
    return new Set(this.#held.all().map((r) => r.resource));
  }
}
