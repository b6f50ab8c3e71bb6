import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { isAuraeError } from "../../../../../src/errors.js";
import { ByteReader } from "../../../../../src/runtime/images/unpack/byte-reader.js";
import { readTar, type TarHeader } from "../../../../../src/runtime/images/unpack/tar-reader.js";
import { type TarEntry, writeTar } from "../../../../helpers/images/tar-writer.js";

/** Reads `tar` in chunks of `chunkBytes`; returns the headers, each file's content, and the sha256 of all bytes read. */
async function read(tar: Buffer, chunkBytes = 100) {
  const chunks = (async function* () {
    for (let i = 0; i < tar.length; i += chunkBytes) yield tar.subarray(i, i + chunkBytes);
  })();
  const hash = createHash("sha256");
  const entries: { header: TarHeader; content: string }[] = [];
  for await (const { header, body } of readTar(new ByteReader(chunks, hash), "layer L")) {
    const parts: Buffer[] = [];
    if (header.path !== "skipped") for await (const c of body) parts.push(c);
    entries.push({ header, content: Buffer.concat(parts).toString() });
  }
  return { entries, sha256: hash.digest("hex") };
}

test("reads every entry type with its metadata, long pax names and xattrs, whatever the chunking", async () => {
  const long = `${"d".repeat(120)}/${"f".repeat(120)}`;
  const entries: TarEntry[] = [
    { path: "dir", type: "dir", mode: 0o700, uid: 7, gid: 8, mtimeSec: 1234 },
    { path: "dir/file", type: "file", content: "x".repeat(1000), mode: 0o4755, xattrs: { "security.capability": Buffer.from([1, 0, 0, 2]) } },
    { path: "skipped", type: "file", content: "not read by the caller" },
    { path: long, type: "file", content: "long" },
    { path: "sym", type: "symlink", target: "dir/file" },
    { path: "hard", type: "hardlink", target: "dir/file" },
    { path: "null", type: "char", major: 1, minor: 3 },
    { path: "fifo", type: "fifo" },
  ];
  const tar = writeTar(entries);
  for (const chunkBytes of [1, 100, 512, 100_000]) {
    const { entries: got, sha256 } = await read(tar, chunkBytes);
    assert.deepEqual(got.map((e) => e.header.path), entries.map((e) => e.path));
    assert.deepEqual(got.map((e) => e.header.type), ["dir", "file", "file", "file", "symlink", "hardlink", "char", "fifo"]);
    assert.deepEqual([got[0]?.header.mode, got[0]?.header.uid, got[0]?.header.gid, got[0]?.header.mtimeSec], [0o700, 7, 8, 1234]);
    assert.equal(got[1]?.content.length, 1000);
    assert.equal(got[1]?.header.mode, 0o4755);
    assert.deepEqual(got[1]?.header.xattrs.get("security.capability"), Buffer.from([1, 0, 0, 2]));
    assert.equal(got[3]?.content, "long");
    assert.equal(got[4]?.header.linkTarget, "dir/file");
    assert.deepEqual([got[6]?.header.devMajor, got[6]?.header.devMinor], [1, 3]);
    assert.equal(sha256, createHash("sha256").update(tar).digest("hex"), "the digest covers every byte, end blocks included");
  }
});

test("a corrupt header and a tar cut inside a file are INVALID_ARGUMENT naming the layer", async () => {
  const tar = writeTar([{ path: "f", type: "file", content: "y".repeat(2000) }]);
  const corrupt = Buffer.from(tar);
  corrupt[10] = 0x41;
  await assert.rejects(read(corrupt), (err) => isAuraeError(err, "invalid") && err.message.includes("layer L") && err.message.includes("checksum"));
  await assert.rejects(read(tar.subarray(0, 1024)), (err) => isAuraeError(err, "invalid") && err.message.includes('truncated inside "f"'));
});
