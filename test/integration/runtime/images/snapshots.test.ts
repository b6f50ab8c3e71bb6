// Unpacking layers into snapshots and root filesystems on the real kernel: whiteouts and opaque directories in
// overlayfs form, an overlay mount (and the copied fallback) that shows the image as its layers say, and tar
// entries that try to escape their root refused.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstat, mkdtemp, readdir, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { isAuraeError } from "../../../../src/errors.js";
import { ContentStore } from "../../../../src/runtime/images/content-store.js";
import type { Digest } from "../../../../src/runtime/images/digest.js";
import { type LayerSpec, type Rootfs, Snapshotter } from "../../../../src/runtime/images/snapshots.js";
import { buildLayer, busyboxEntries, type Compression, type Layer } from "../../../helpers/images/image-builder.js";
import type { TarEntry } from "../../../helpers/images/tar-writer.js";

const signal = AbortSignal.timeout(60_000);

async function setup(t: TestContext) {
  const root = await mkdtemp(join(tmpdir(), "aurae-snapshots-"));
  const rootfsList: Rootfs[] = [];
  const content = new ContentStore(join(root, "content"));
  const snapshots = new Snapshotter({ root: join(root, "snapshots"), content });
  t.after(async () => {
    for (const r of rootfsList) await snapshots.removeRootfs(r);
    await rm(root, { recursive: true, force: true });
  });
  const store = async (layer: Layer): Promise<LayerSpec> => {
    const blob = { digest: layer.digest as Digest, size: layer.size };
    await content.writeBlob(blob, layer.bytes);
    return { blob, diffId: layer.diffId as Digest };
  };
  const rootfs = async (layers: readonly LayerSpec[], copy: boolean) => {
    const r = await snapshots.createRootfs(layers, join(root, "containers", `c${rootfsList.length}`), { signal, copy });
    rootfsList.push(r);
    return r;
  };
  return { root, content, snapshots, store, rootfs };
}

/** Three layers: busybox and a tree; a gzip layer deleting a file and making a directory opaque; a zstd layer. */
function whiteoutStack(): Layer[] {
  const base: TarEntry[] = [
    ...busyboxEntries(),
    { path: "dev", type: "dir" },
    { path: "dev/null", type: "char", major: 1, minor: 3, mode: 0o666 },
    { path: "dev/fifo", type: "fifo", mode: 0o600 },
    { path: "data", type: "dir", mode: 0o750, uid: 1000, gid: 1000 },
    { path: "data/a", type: "file", content: "a" },
    { path: "data/b", type: "file", content: "b" },
    { path: "gone.txt", type: "file", content: "deleted later" },
    { path: "keep.txt", type: "file", content: "kept", mode: 0o640, uid: 1000, gid: 100, xattrs: { "user.origin": "layer1" } },
    { path: "keep-link", type: "hardlink", target: "keep.txt" },
    { path: "suid", type: "file", content: "#!/bin/sh\n", mode: 0o4755 },
    { path: "opq", type: "dir" },
    { path: "opq/old1", type: "file", content: "1" },
    { path: "opq/old2", type: "file", content: "2" },
  ];
  const second: TarEntry[] = [
    { path: ".wh.gone.txt", type: "file" },
    { path: "opq", type: "dir", mode: 0o700 },
    { path: "opq/.wh..wh..opq", type: "file" },
    { path: "opq/new", type: "file", content: "new" },
    { path: "data", type: "dir", mode: 0o750, uid: 1000, gid: 1000 },
    { path: "data/c", type: "file", content: "c" },
  ];
  const third: TarEntry[] = [
    { path: "data", type: "dir", mode: 0o750, uid: 1000, gid: 1000 },
    { path: "data/.wh.b", type: "file" },
    { path: "link-to-new", type: "symlink", target: "opq/new" },
  ];
  return [buildLayer(base), buildLayer(second, "gzip"), buildLayer(third, "zstd")];
}

/** path -> "type mode uid:gid size|target|rdev" for every entry under `dir`, to compare two trees. */
async function describeTree(dir: string, rel = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(join(dir, rel))).sort()) {
    const path = join(rel, name);
    const st = await lstat(join(dir, path));
    const kind = st.isDirectory() ? "d" : st.isSymbolicLink() ? "l" : st.isCharacterDevice() ? "c" : st.isFIFO() ? "p" : "f";
    const detail = kind === "l" ? await readlink(join(dir, path)) : kind === "c" ? String(st.rdev) : kind === "f" ? String(st.size) : "";
    out.set(path, `${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${detail}`);
    if (kind === "d") for (const [p, d] of await describeTree(dir, path)) out.set(p, d);
  }
  return out;
}

const xattr = (path: string, name: string): string =>
  execFileSync("getfattr", ["-h", "--only-values", "-n", name, path], { encoding: "utf8" });

async function assertImageTree(rootfs: string): Promise<void> {
  await assert.rejects(lstat(join(rootfs, "gone.txt")), { code: "ENOENT" });
  assert.deepEqual((await readdir(join(rootfs, "opq"))).sort(), ["new"], "the opaque directory holds only the later layer's files");
  assert.deepEqual((await readdir(join(rootfs, "data"))).sort(), ["a", "c"]);
  const keep = await stat(join(rootfs, "keep.txt"));
  assert.equal(keep.mode & 0o7777, 0o640);
  assert.deepEqual([keep.uid, keep.gid], [1000, 100]);
  assert.equal(keep.ino, (await stat(join(rootfs, "keep-link"))).ino, "a hard link shares its target's inode");
  assert.equal(keep.nlink, 2);
  assert.equal(xattr(join(rootfs, "keep.txt"), "user.origin"), "layer1");
  assert.equal((await stat(join(rootfs, "suid"))).mode & 0o7777, 0o4755);
  assert.equal((await stat(join(rootfs, "data"))).mode & 0o7777, 0o750);
  assert.equal((await stat(join(rootfs, "opq"))).mode & 0o7777, 0o700);
  assert.equal(await readlink(join(rootfs, "bin/sh")), "busybox");
  assert.equal(await readlink(join(rootfs, "link-to-new")), "opq/new");
  const devNull = await lstat(join(rootfs, "dev/null"));
  assert.ok(devNull.isCharacterDevice());
  assert.equal(devNull.rdev, (1 << 8) | 3);
  assert.ok((await lstat(join(rootfs, "dev/fifo"))).isFIFO());
  assert.equal(execFileSync("chroot", [rootfs, "/bin/sh", "-c", "echo $(cat /opq/new) $(ls /data)"], { encoding: "utf8" }), "new a c\n");
}

test("layers unpack once into overlayfs form: whiteouts as 0/0 character devices, opaque dirs by xattr", async (t) => {
  const { snapshots, store } = await setup(t);
  const [l1, l2, l3] = await Promise.all(whiteoutStack().map(store)) as [LayerSpec, LayerSpec, LayerSpec];
  const dir2 = await snapshots.unpack(l2, signal);
  const whiteout = await lstat(join(dir2, "gone.txt"));
  assert.ok(whiteout.isCharacterDevice() && whiteout.rdev === 0, "gone.txt is a whiteout");
  assert.equal(xattr(join(dir2, "opq"), "trusted.overlay.opaque"), "y");
  assert.equal((await readdir(dir2)).filter((n) => n.startsWith(".wh.")).length, 0);
  const dir3 = await snapshots.unpack(l3, signal);
  assert.ok((await lstat(join(dir3, "data/b"))).isCharacterDevice());
  const dir1 = await snapshots.unpack(l1, signal);
  const inode = (await stat(dir1)).ino;
  assert.equal(await snapshots.unpack(l1, signal), dir1);
  assert.equal((await stat(dir1)).ino, inode, "a layer already unpacked is not unpacked again");
});

test("an overlay rootfs and a copied rootfs both show the image as its layers say", async (t) => {
  const { store, rootfs } = await setup(t);
  const layers = await Promise.all(whiteoutStack().map(store));
  const overlay = await rootfs(layers, false);
  if (overlay.kind !== "overlay") return t.skip("overlayfs does not mount here");
  assert.match(execFileSync("findmnt", ["-n", "-o", "FSTYPE", overlay.path], { encoding: "utf8" }), /overlay/);
  await assertImageTree(overlay.path);
  const copy = await rootfs(layers, true);
  assert.equal(copy.kind, "copy");
  await assertImageTree(copy.path);
  assert.deepEqual(await describeTree(copy.path), await describeTree(overlay.path));
});

for (const compression of ["gzip", "zstd", "none"] as const satisfies readonly Compression[])
  test(`a ${compression} layer unpacks and its diff ID is checked`, async (t) => {
    const { snapshots, store } = await setup(t);
    const layer = await store(buildLayer([{ path: "f", type: "file", content: compression }], compression));
    assert.equal(execFileSync("cat", [join(await snapshots.unpack(layer, signal), "f")], { encoding: "utf8" }), compression);
    const wrong = { ...layer, diffId: `sha256:${"0".repeat(64)}` as Digest };
    await assert.rejects(snapshots.createRootfs([wrong], join(tmpdir(), `aurae-never-${process.pid}`), { signal, copy: true }).finally(() =>
      rm(join(tmpdir(), `aurae-never-${process.pid}`), { recursive: true, force: true })), (err) => isAuraeError(err, "precondition"));
  });

const ESCAPES: readonly (readonly [string, readonly TarEntry[], RegExp])[] = [
  ["a ../ path", [{ path: "../escaped", type: "file", content: "x" }], /escapes the root/],
  ["a ../ inside a path", [{ path: "a/../../escaped", type: "file", content: "x" }], /escapes the root/],
  ["an absolute path", [{ path: "/escaped", type: "file", content: "x" }], /absolute/],
  ["a write through a symlink to /", [{ path: "l", type: "symlink", target: "/" }, { path: "l/escaped", type: "file", content: "x" }], /through the symlink/],
  ["a write through a symlink to ../..", [{ path: "d", type: "dir" }, { path: "d/up", type: "symlink", target: "../../.." }, { path: "d/up/escaped", type: "file", content: "x" }], /through the symlink/],
  ["a hard link to ../", [{ path: "h", type: "hardlink", target: "../escaped" }], /escapes the root/],
];

for (const [name, entries, message] of ESCAPES)
  test(`a layer with ${name} is refused, nothing is written outside, nothing partial is kept`, async (t) => {
    const { root, snapshots, store } = await setup(t);
    const layer = await store(buildLayer(entries));
    await assert.rejects(snapshots.unpack(layer, signal), (err) => isAuraeError(err, "invalid") && message.test(err.message) && err.message.includes(layer.blob.digest));
    await assert.rejects(lstat(snapshots.layerDir(layer.diffId)), { code: "ENOENT" });
    assert.deepEqual(await readdir(join(root, "snapshots", "tmp")), []);
    await assert.rejects(lstat("/escaped"), { code: "ENOENT" });
    await assert.rejects(lstat(join(root, "snapshots", "escaped")), { code: "ENOENT" });
  });

test("an xattr listed on a symlink is never set through it on what it points to", async (t) => {
  const { root, snapshots, store } = await setup(t);
  const outside = join(root, "outside");
  await writeFile(outside, "not the image's");
  const layer = await store(buildLayer([
    { path: "s", type: "symlink", target: outside, xattrs: { "user.evil": "1" } },
    { path: "f", type: "file", content: "x", xattrs: { "user.kept": "1", "trusted.overlay.opaque": "y" } },
  ]));
  const dir = await snapshots.unpack(layer, signal);
  assert.equal(xattr(join(dir, "f"), "user.kept"), "1");
  assert.throws(() => xattr(join(dir, "f"), "trusted.overlay.opaque"), "a layer cannot set overlayfs's own xattrs");
  assert.throws(() => xattr(outside, "user.evil"));
});

test("a whiteout naming no file (.wh.., .wh...) is refused", async (t) => {
  const { snapshots, store } = await setup(t);
  for (const path of ["d/.wh..", "d/.wh..."]) {
    const layer = await store(buildLayer([{ path: "d", type: "dir" }, { path, type: "file" }]));
    await assert.rejects(snapshots.unpack(layer, signal), (err) => isAuraeError(err, "invalid") && err.message.includes("names no file"));
  }
});
