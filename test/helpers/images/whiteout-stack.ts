// The whiteout stack of issue 16's acceptance: three layers (gzip, gzip, zstd) that delete a file, make a directory
// opaque and delete another, over a busybox-static root; and the checks that a root filesystem of it is right.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstat, readdir, readlink, stat } from "node:fs/promises";
import { join } from "node:path";
import { buildLayer, busyboxEntries, type Layer } from "./image-builder.js";
import type { TarEntry } from "./tar-writer.js";

/** Three layers: busybox and a tree; a gzip layer deleting a file and making a directory opaque; a zstd layer. */
export function whiteoutStack(): Layer[] {
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

export const xattr = (path: string, name: string): string =>
  execFileSync("getfattr", ["-h", "--only-values", "-n", name, path], { encoding: "utf8" });

export async function assertImageTree(rootfs: string): Promise<void> {
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

