// A layer's tar from its stored blob: gzip through zlib, zstd through Debian's `zstd` binary (Node 20's zlib has no
// zstd), uncompressed as it is. The format is sniffed from the magic bytes rather than trusted from the media type:
// some registries and tools label layers wrongly, and a sniffed format cannot be.
import { spawn } from "node:child_process";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { unavailable } from "../../../errors.js";

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

export interface Decompressed {
  readonly chunks: AsyncIterator<Buffer>;
  /** Resolves once the decompressor finished cleanly; rejects with its error. Always awaited by the caller. */
  readonly done: Promise<void>;
  /** Stops everything (the caller failed). */
  destroy(): void;
}

/** The uncompressed bytes of `compressed`; `zstdPath` is the zstd binary (found by the caller, e.g. "zstd"). */
export async function decompress(compressed: Readable, zstdPath: string): Promise<Decompressed> {
  const first = await firstChunk(compressed);
  compressed.unshift(first);
  if (first.subarray(0, 2).equals(GZIP_MAGIC)) {
    const gunzip = createGunzip();
    compressed.pipe(gunzip);
    compressed.on("error", (err) => gunzip.destroy(err));
    return { chunks: gunzip[Symbol.asyncIterator](), done: Promise.resolve(), destroy: () => { compressed.destroy(); gunzip.destroy(); } };
  }
  if (first.subarray(0, 4).equals(ZSTD_MAGIC)) return zstd(compressed, zstdPath);
  return { chunks: compressed[Symbol.asyncIterator](), done: Promise.resolve(), destroy: () => compressed.destroy() };
}

function zstd(compressed: Readable, zstdPath: string): Decompressed {
  const child = spawn(zstdPath, ["-d", "-c", "-q"], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => { stderr = (stderr + d.toString()).slice(-1000); });
  child.stdin.on("error", () => undefined); // EPIPE when zstd stops early; its exit status tells why
  compressed.pipe(child.stdin);
  const done = (async () => {
    const [code, signal] = (await once(child, "close")) as [number | null, string | null];
    if (code !== 0) throw unavailable(`zstd -d: ${signal ? `killed by ${signal}` : `exit ${code}`}: ${stderr.trim()}`);
  })();
  done.catch(() => undefined); // observed by the caller; never unhandled meanwhile
  child.on("error", () => undefined); // ENOENT surfaces through "close" with code -2
  return { chunks: child.stdout[Symbol.asyncIterator](), done, destroy: () => { compressed.destroy(); child.kill("SIGKILL"); } };
}

/** The first chunk, read without an async iterator (whose early return would destroy the stream). */
async function firstChunk(stream: Readable): Promise<Buffer> {
  for (;;) {
    const chunk = stream.read() as Buffer | null;
    if (chunk !== null) return chunk;
    if (stream.readableEnded) return Buffer.alloc(0);
    await once(stream, "readable");
  }
}
