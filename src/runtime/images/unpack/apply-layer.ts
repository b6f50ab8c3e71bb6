// Applies one layer's tar to a directory (OCI image-spec layer.md, "Applying Changesets"). In `overlay` form, the
// snapshot of one layer for an overlayfs lowerdir, whiteouts become what overlayfs reads (Documentation/filesystems/
// overlayfs.rst): `.wh.<name>` a character device 0/0 named <name>, `.wh..wh..opq` the xattr trusted.overlay.opaque=y
// on its directory. In `merge` form, for a copied root filesystem, they delete what lower layers put there.
// Owners, modes, mtimes, symlinks, hard links, devices and xattrs are kept. An entry that would land outside the root
// (absolute, `..`, or under a symlink) is refused: a well-formed layer never writes through a symlink, since a diff
// of a filesystem cannot hold entries below one.
import { createHash } from "node:crypto";
import { chmod, lchown, link, lstat, lutimes, mkdir, open, readdir, rm, symlink } from "node:fs/promises";
import { join, posix } from "node:path";
import { errnoCode, invalid, osError, quote } from "../../../errors.js";
import type { Digest } from "../digest.js";
import { runTool } from "../run-tool.js";
import { ByteReader } from "./byte-reader.js";
import { readTar, type TarHeader } from "./tar-reader.js";

export type WhiteoutForm = "overlay" | "merge";

export interface ApplyOptions {
  /** The directory the layer is applied to; it exists. */
  readonly root: string;
  readonly whiteouts: WhiteoutForm;
  /** Names the layer in errors, e.g. `layer sha256:…`. */
  readonly what: string;
  readonly signal: AbortSignal;
}

const WHITEOUT_PREFIX = ".wh.";
const OPAQUE_MARKER = ".wh..wh..opq";
/** Files up to this size are buffered whole and written in the background, a few at a time. */
const SMALL_FILE_BYTES = 1024 * 1024;
const MAX_WRITES_IN_FLIGHT = 16;
/** xattrs a layer may not set: overlayfs reads them as instructions (an opaque dir, a redirect). */
const RESERVED_XATTR = "trusted.overlay.";

/** Applies the tar in `chunks`; returns the sha256 of the tar (the layer's diff ID) for the caller to check. */
export async function applyLayer(chunks: AsyncIterator<Buffer>, opts: ApplyOptions): Promise<Digest> {
  const hash = createHash("sha256");
  const layer = new LayerWriter(opts);
  try {
    for await (const entry of readTar(new ByteReader(chunks, hash), opts.what)) {
      opts.signal.throwIfAborted();
      await layer.apply(entry.header, entry.body);
    }
    await layer.finish();
  } finally {
    await layer.settle(); // nothing may still write once the caller removes the directory
  }
  return `sha256:${hash.digest("hex")}`;
}

/** The state of one application: which directories are known real, what is deferred to the end. */
class LayerWriter {
  /** Directories (root-relative) checked to be real directories, not symlinks. */
  readonly #realDirs = new Set<string>(["."]);
  /** Paths this layer created (merge form: an opaque directory keeps them). */
  readonly #created = new Set<string>();
  /** Directory mtimes, set last: creating entries inside a directory changes its mtime. */
  readonly #dirTimes = new Map<string, number>();
  /** xattrs, set last in one `setfattr` run, after every chown (which clears security.capability). */
  readonly #xattrs = new Map<string, Map<string, Buffer>>();
  /** Small files being written in the background, by path. */
  readonly #writing = new Map<string, Promise<void>>();
  #failure: { err: unknown } | undefined;

  constructor(private readonly opts: ApplyOptions) {}

  async apply(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    const rel = this.#relative(h.path, "path");
    if (rel === ".") return; // the root's own entry: the root already exists
    const dir = posix.dirname(rel);
    const base = posix.basename(rel);
    // A small regular file new to this layer is written in the background while the tar is read on; anything else
    // (a removal, a link, a path already being written) first waits for every background write.
    const isSmallFile = h.type === "file" && h.size <= SMALL_FILE_BYTES && !base.startsWith(WHITEOUT_PREFIX);
    if (!isSmallFile || this.#writing.has(rel)) await this.#flush();
    await this.#ensureRealDir(dir, h.path);
    if (base === OPAQUE_MARKER) return this.#opaque(dir);
    if (base.startsWith(WHITEOUT_PREFIX)) return this.#whiteout(posix.join(dir, base.slice(WHITEOUT_PREFIX.length)), h.path);
    if (!isSmallFile) return this.#create(h, rel, body);
    const content: Buffer[] = [];
    for await (const chunk of body) content.push(chunk);
    if (this.#writing.size >= MAX_WRITES_IN_FLIGHT) await Promise.race(this.#writing.values());
    const write = this.#create(h, rel, [Buffer.concat(content)]).catch((err: unknown) => { this.#failure ??= { err }; })
      .finally(() => this.#writing.delete(rel));
    this.#writing.set(rel, write);
  }

  /** Waits for every background write; throws the first one's error. */
  async #flush(): Promise<void> {
    await this.settle();
    if (this.#failure) throw this.#failure.err;
  }

  /** Waits for every background write, whatever their outcome. */
  async settle(): Promise<void> {
    while (this.#writing.size > 0) await Promise.allSettled(this.#writing.values());
  }

  async finish(): Promise<void> {
    await this.#flush();
    for (const [rel, mtime] of [...this.#dirTimes].reverse()) await lutimes(this.#abs(rel), mtime, mtime);
    if (this.#xattrs.size > 0) await this.#setXattrs();
  }

  async #create(h: TarHeader, rel: string, body: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
    const abs = this.#abs(rel);
    const existing = await lstat(abs).catch((err: unknown) => (errnoCode(err) === "ENOENT" ? undefined : Promise.reject(osError("lstat", abs, err))));
    if (h.type === "dir" && existing?.isDirectory()) {
      // kept, with this entry's metadata
    } else if (existing) {
      await this.#remove(rel);
    }
    this.#created.add(rel);
    switch (h.type) {
      case "dir":
        if (!existing?.isDirectory()) await mkdir(abs);
        this.#realDirs.add(rel);
        break;
      case "file":
        await writeFile(abs, body);
        break;
      case "symlink":
        await symlink(h.linkTarget, abs);
        break;
      case "hardlink": {
        const target = this.#relative(h.linkTarget, "link target");
        await this.#ensureRealDir(posix.dirname(target), h.path);
        await link(this.#abs(target), abs).catch((err: unknown) => Promise.reject(osError(`hard link ${quote(h.path)} to`, h.linkTarget, err)));
        return; // a hard link shares its target's inode: owner, mode and times are the target's
      }
      case "char":
      case "block":
      case "fifo":
        await mknod(abs, h.type === "char" ? "c" : h.type === "block" ? "b" : "p", h.devMajor, h.devMinor);
        break;
    }
    await lchown(abs, h.uid, h.gid);
    if (h.type !== "symlink") await chmod(abs, h.mode & 0o7777);
    if (h.type === "dir") this.#dirTimes.set(rel, h.mtimeSec);
    else await lutimes(abs, h.mtimeSec, h.mtimeSec);
    for (const [name, value] of h.xattrs) if (isSettable(name, h.type)) this.#xattr(rel, name, value);
  }

  async #whiteout(rel: string, entry: string): Promise<void> {
    const name = posix.basename(entry);
    if (name === ".wh." || name === ".wh.." || name === ".wh...") throw invalid("reference", `${this.opts.what}: whiteout ${quote(entry)} names no file`);
    await this.#remove(rel);
    if (this.opts.whiteouts === "overlay") await mknod(this.#abs(rel), "c", 0, 0);
  }

  async #opaque(dir: string): Promise<void> {
    if (this.opts.whiteouts === "overlay") return this.#xattr(dir, "trusted.overlay.opaque", Buffer.from("y"));
    for (const name of await readdir(this.#abs(dir))) {
      const child = posix.join(dir, name);
      if (!this.#created.has(child)) await this.#remove(child);
    }
  }

  /** Removes `rel` and forgets what was known or deferred about it and below it. */
  async #remove(rel: string): Promise<void> {
    await rm(this.#abs(rel), { recursive: true, force: true });
    const under = `${rel}/`;
    for (const set of [this.#realDirs, this.#created]) for (const p of set) if (p === rel || p.startsWith(under)) set.delete(p);
    for (const map of [this.#dirTimes, this.#xattrs]) for (const p of map.keys()) if (p === rel || p.startsWith(under)) map.delete(p);
  }

  /** Makes sure every component of `dir` is a real directory (creating missing ones), never a symlink. */
  async #ensureRealDir(dir: string, entry: string): Promise<void> {
    if (this.#realDirs.has(dir)) return;
    await this.#ensureRealDir(posix.dirname(dir), entry);
    const abs = this.#abs(dir);
    const st = await lstat(abs).catch((err: unknown) => (errnoCode(err) === "ENOENT" ? undefined : Promise.reject(osError("lstat", abs, err))));
    if (st === undefined) await mkdir(abs, { mode: 0o755 });
    else if (st.isSymbolicLink()) throw invalid("reference", `${this.opts.what}: entry ${quote(entry)} would be written through the symlink ${quote(dir)}; refused`);
    else if (!st.isDirectory()) throw invalid("reference", `${this.opts.what}: entry ${quote(entry)} needs ${quote(dir)} to be a directory`);
    this.#realDirs.add(dir);
  }

  /** The root-relative normal form of a tar path; absolute paths and `..` escapes are refused. */
  #relative(path: string, field: string): string {
    if (path.startsWith("/")) throw invalid("reference", `${this.opts.what}: entry ${field} ${quote(path)} is absolute; refused`);
    const rel = posix.normalize(path.replace(/\/+$/, "") || ".");
    if (rel === ".." || rel.startsWith("../")) throw invalid("reference", `${this.opts.what}: entry ${field} ${quote(path)} escapes the root; refused`);
    return rel;
  }

  #abs(rel: string): string {
    return rel === "." ? this.opts.root : join(this.opts.root, rel);
  }

  #xattr(rel: string, name: string, value: Buffer): void {
    const forPath = this.#xattrs.get(rel) ?? new Map<string, Buffer>();
    forPath.set(name, value);
    this.#xattrs.set(rel, forPath);
  }

  /** One `setfattr --restore` run for the whole layer (Node has no xattr calls); -h: never through a symlink. */
  async #setXattrs(): Promise<void> {
    const dump = [...this.#xattrs].map(([rel, attrs]) =>
      `# file: ${escapePath(rel)}\n${[...attrs].map(([name, value]) => `${name}=0x${value.toString("hex")}\n`).join("")}\n`).join("");
    await runTool("setfattr", ["-h", "--restore=-"], { input: dump, cwd: this.opts.root });
  }
}

/**
 * Whether a layer's xattr is set: never overlayfs's own, and user.* only on regular files and directories, the only
 * inodes the kernel lets carry them (xattr(7)); a layer from another system may still list them on a symlink.
 */
const isSettable = (name: string, type: TarHeader["type"]): boolean =>
  !name.startsWith(RESERVED_XATTR) && (!name.startsWith("user.") || type === "file" || type === "dir");

async function writeFile(abs: string, body: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
  const file = await open(abs, "wx", 0o600).catch((err: unknown) => Promise.reject(osError("create", abs, err)));
  try {
    for await (const chunk of body) await file.write(chunk);
  } finally {
    await file.close();
  }
}

/** Node cannot make device nodes; coreutils' mknod(1) can. */
const mknod = (abs: string, kind: "c" | "b" | "p", major: number, minor: number): Promise<void> =>
  runTool("mknod", kind === "p" ? [abs, "p"] : [abs, kind, String(major), String(minor)]);

/** getfattr's dump quoting: anything but a safe character as a backslash and three octal digits. */
const escapePath = (rel: string): string =>
  [...Buffer.from(rel)].map((b) => (/[A-Za-z0-9._/+-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, "0")}`)).join("");
