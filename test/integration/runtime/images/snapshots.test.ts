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
import { buildLayer, type Compression, type Layer } from "../../../helpers/images/image-builder.js";
import { assertImageTree, whiteoutStack, xattr } from "../../../helpers/images/whiteout-stack.js";
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
