// Snapshots: each layer unpacked once into its own directory, <root>/layers/<algorithm>/<hex> named by its diff ID
// (in overlay form its content does not depend on the layers below, so any image with that layer shares it), and
// root filesystems made of them: an overlayfs mount of the layers plus a private upper dir, or, where overlayfs is
// unavailable, a copy with every layer applied in order. A layer is unpacked into <root>/tmp, checked against its
// diff ID, synced and renamed into place, so a crash leaves only tmp/ behind, which `removeTemps` clears.
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, osError, precondition } from "../../errors.js";
import type { BlobSpec, ContentStore } from "./content-store.js";
import { type Digest, digestAlgorithm, digestHex, parseDigest } from "./digest.js";
import { bytesUnder, readdirOrEmpty } from "./disk-usage.js";
import { applyLayer, type WhiteoutForm } from "./unpack/apply-layer.js";
import { runTool } from "./run-tool.js";
import { decompress } from "./unpack/decompress.js";

export interface LayerSpec {
  /** The stored (compressed) blob. */
  readonly blob: BlobSpec;
  /** The digest of its uncompressed tar, from the image config's rootfs.diff_ids. */
  readonly diffId: Digest;
}

export interface SnapshotterOptions {
  /** e.g. <stateDir>/images/snapshots */
  readonly root: string;
  readonly content: ContentStore;
  /** The zstd binary for zstd layers (default `zstd` on PATH). */
  readonly zstdPath?: string;
}

export interface Rootfs {
  /** The directory holding upper/, work/ and rootfs/. */
  readonly dir: string;
  /** The root filesystem to run in. */
  readonly path: string;
  readonly kind: "overlay" | "copy";
}

export interface RootfsOptions {
  readonly signal: AbortSignal;
  /** Copy instead of mounting overlayfs (for hosts or filesystems without it); overlay is tried first otherwise. */
  readonly copy?: boolean;
}

export class Snapshotter {
  /** One unpack per diff ID at a time in this process. */
  readonly #unpacking = new Map<Digest, Promise<string>>();

  constructor(private readonly opts: SnapshotterOptions) {}

  layerDir(diffId: Digest): string {
    return join(this.opts.root, "layers", digestAlgorithm(diffId), digestHex(diffId));
  }

  /** The layer's snapshot directory, unpacking it first unless it exists. */
  async unpack(layer: LayerSpec, signal: AbortSignal): Promise<string> {
    const running = this.#unpacking.get(layer.diffId);
    if (running) return running;
    const work = this.#unpackOnce(layer, signal);
    this.#unpacking.set(layer.diffId, work);
    try {
      return await work;
    } finally {
      this.#unpacking.delete(layer.diffId);
    }
  }

  /**
   * A root filesystem of `layers` (bottom first) under `dir`, which must not exist yet. Overlayfs when it mounts,
   * else (or when asked) a copy.
   */
  async createRootfs(layers: readonly LayerSpec[], dir: string, opts: RootfsOptions): Promise<Rootfs> {
    const path = join(dir, "rootfs");
    await mkdir(path, { recursive: true });
    if (!opts.copy) {
      const lowers: string[] = [];
      for (const layer of layers) lowers.push(await this.unpack(layer, opts.signal));
      if (await this.#mountOverlay(lowers, dir, path)) return { dir, path, kind: "overlay" };
    }
    for (const layer of layers) await this.#apply(layer, path, "merge", opts.signal);
    return { dir, path, kind: "copy" };
  }

  async removeRootfs(rootfs: Rootfs): Promise<void> {
    if (rootfs.kind === "overlay") await runTool("umount", [rootfs.path]).catch((err: unknown) => {
      if (!String((err as Error).message).includes("not mounted")) throw err;
    });
    await rm(rootfs.dir, { recursive: true, force: true });
  }

  /** Removes what crashed unpacks left. Call before any unpack starts. */
  async removeTemps(): Promise<void> {
    await rm(join(this.opts.root, "tmp"), { recursive: true, force: true });
  }

  /** The diff IDs of every unpacked layer. */
  async layers(): Promise<Digest[]> {
    const found: Digest[] = [];
    const root = join(this.opts.root, "layers");
    for (const algorithm of await readdirOrEmpty(root))
      for (const hex of await readdirOrEmpty(join(root, algorithm))) found.push(parseDigest(`${algorithm}:${hex}`, "layer"));
    return found;
  }

  /** The bytes of a layer's snapshot (0 when it is not unpacked). */
  layerBytes(diffId: Digest): Promise<number> {
    return bytesUnder(this.layerDir(diffId));
  }

  /** Removes a layer's snapshot (no rootfs may use it: the caller's references decide). */
  async removeLayer(diffId: Digest): Promise<void> {
    await rm(this.layerDir(diffId), { recursive: true, force: true });
  }

  async #unpackOnce(layer: LayerSpec, signal: AbortSignal): Promise<string> {
    const final = this.layerDir(layer.diffId);
    if (await exists(final)) return final;
    const temp = join(this.opts.root, "tmp", `${digestHex(layer.diffId).slice(0, 16)}-${randomBytes(4).toString("hex")}`);
    await mkdir(temp, { recursive: true });
    try {
      await this.#apply(layer, temp, "overlay", signal);
      // The data reaches the disk before the name says the layer is complete.
      await runTool("sync", ["-f", temp]);
      await mkdir(join(final, ".."), { recursive: true });
      await rename(temp, final).catch((err: unknown) => Promise.reject(osError("rename into", final, err)));
    } catch (err) {
      await rm(temp, { recursive: true, force: true });
      throw err;
    }
    return final;
  }

  async #apply(layer: LayerSpec, root: string, whiteouts: WhiteoutForm, signal: AbortSignal): Promise<void> {
    const what = `layer ${layer.blob.digest}`;
    const tar = await decompress(this.opts.content.openBlob(layer.blob.digest), this.opts.zstdPath ?? "zstd");
    let diffId: Digest;
    try {
      diffId = await applyLayer(tar.chunks, { root, whiteouts, what, signal });
      await tar.done;
    } catch (err) {
      tar.destroy();
      throw err;
    }
    if (diffId !== layer.diffId) throw precondition(`${what}: uncompressed content has digest ${diffId}, the image config says ${layer.diffId}`);
  }

  /** Mounts the overlay; false when overlayfs refuses (not in the kernel, an unsupported filesystem). */
  async #mountOverlay(lowers: readonly string[], dir: string, target: string): Promise<boolean> {
    const upper = join(dir, "upper");
    const work = join(dir, "work");
    await mkdir(upper, { recursive: true });
    await mkdir(work, { recursive: true });
    // Lower dirs relative to <root>/layers (mount's cwd) keep the option string short: the kernel takes one page.
    const layersRoot = join(this.opts.root, "layers");
    const lowerdir = [...lowers].reverse().map((l) => l.slice(layersRoot.length + 1)).join(":");
    try {
      await runTool("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lowerdir},upperdir=${upper},workdir=${work}`, target], { cwd: layersRoot });
      return true;
    } catch {
      await rm(upper, { recursive: true, force: true });
      await rm(work, { recursive: true, force: true });
      return false;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, (err: unknown) => (errnoCode(err) === "ENOENT" ? false : Promise.reject(osError("stat", path, err))));
}
