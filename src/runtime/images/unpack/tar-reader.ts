// A streaming tar reader (POSIX.1-2001 pax and ustar, GNU long names): yields each entry with its body as chunks.
// The caller consumes or ignores the body before asking for the next entry; unread body bytes are skipped.
import { invalid } from "../../../errors.js";
import type { ByteReader } from "./byte-reader.js";

export type TarEntryType = "file" | "hardlink" | "symlink" | "char" | "block" | "dir" | "fifo";

export interface TarHeader {
  readonly path: string;
  readonly type: TarEntryType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtimeSec: number;
  readonly linkTarget: string;
  readonly devMajor: number;
  readonly devMinor: number;
  /** From pax `SCHILY.xattr.<name>` records; values are raw bytes. */
  readonly xattrs: ReadonlyMap<string, Buffer>;
}

export interface TarEntry {
  readonly header: TarHeader;
  readonly body: AsyncIterable<Buffer>;
}

const BLOCK = 512;
const MAX_META_BYTES = 1024 * 1024; // pax and GNU long-name records: a bigger one is an attack, not a name
const TYPES: Readonly<Record<string, TarEntryType>> = {
  "0": "file", "\0": "file", "7": "file", "1": "hardlink", "2": "symlink", "3": "char", "4": "block", "5": "dir", "6": "fifo",
};

/** Every entry of the tar read by `reader`; `what` names the layer in errors. */
export async function* readTar(reader: ByteReader, what: string): AsyncGenerator<TarEntry> {
  let pax = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await reader.read(BLOCK);
    if (block.length === 0 || isZero(block)) break; // end of archive (a missing end marker is tolerated, as GNU tar does)
    if (block.length < BLOCK) throw invalid("reference", `${what}: tar truncated inside a header`);
    verifyChecksum(block, what);
    const flag = String.fromCharCode(block[156] ?? 0);
    const size = number(block, 124, 12);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      if (size > MAX_META_BYTES) throw invalid("reference", `${what}: tar metadata record of ${size} bytes`);
      const data = (await reader.read(padded)).subarray(0, size);
      if (flag === "x") pax = parsePax(data, what);
      else if (flag === "L") longName = cString(data);
      else if (flag === "K") longLink = cString(data);
      continue; // "g" (global) records carry nothing an image layer needs
    }
    const type = TYPES[flag];
    if (type === undefined) throw invalid("reference", `${what}: unsupported tar entry type ${JSON.stringify(flag)}`);
    const header = headerOf(block, type, pax, longName, longLink);
    pax = new Map();
    longName = longLink = undefined;
    const bodySize = type === "file" ? header.size : 0;
    let consumed = 0;
    const body = (async function* () {
      for await (const chunk of reader.chunks(bodySize)) {
        consumed += chunk.length;
        yield chunk;
      }
    })();
    yield { header, body };
    // Whatever the caller left unread (it may have stopped early), then the padding to the next block.
    for await (const chunk of reader.chunks(bodySize - consumed)) consumed += chunk.length;
    if (consumed < bodySize) throw invalid("reference", `${what}: tar truncated inside ${JSON.stringify(header.path)}`);
    if (padded > bodySize) await reader.read(padded - bodySize);
  }
  await reader.drain();
}

function headerOf(b: Buffer, type: TarEntryType, pax: ReadonlyMap<string, Buffer>, longName?: string, longLink?: string): TarHeader {
  const prefix = cString(b.subarray(345, 500));
  const name = cString(b.subarray(0, 100));
  const paxString = (key: string) => pax.get(key)?.toString("utf8");
  const xattrs = new Map<string, Buffer>();
  for (const [key, value] of pax) if (key.startsWith("SCHILY.xattr.")) xattrs.set(key.slice("SCHILY.xattr.".length), value);
  const isUstar = b.subarray(257, 262).toString("latin1") === "ustar";
  return {
    path: paxString("path") ?? longName ?? (isUstar && prefix ? `${prefix}/${name}` : name),
    type,
    mode: number(b, 100, 8),
    uid: Number(paxString("uid") ?? number(b, 108, 8)),
    gid: Number(paxString("gid") ?? number(b, 116, 8)),
    size: Number(paxString("size") ?? number(b, 124, 12)),
    mtimeSec: Math.floor(Number(paxString("mtime") ?? number(b, 136, 12))),
    linkTarget: paxString("linkpath") ?? longLink ?? cString(b.subarray(157, 257)),
    devMajor: number(b, 329, 8),
    devMinor: number(b, 337, 8),
    xattrs,
  };
}

/** An octal field, or GNU's base-256 form (high bit of the first byte set) for values that do not fit. */
function number(b: Buffer, offset: number, length: number): number {
  const field = b.subarray(offset, offset + length);
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  const text = field.toString("latin1").replace(/[\0 ]+$/g, "").trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function verifyChecksum(b: Buffer, what: string): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (b[i] ?? 0);
  if (sum !== number(b, 148, 8)) throw invalid("reference", `${what}: tar header checksum mismatch (not a tar, or corrupt)`);
}

/** pax records: "<length> <key>=<value>\n", where the length counts the whole record. */
function parsePax(data: Buffer, what: string): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.subarray(at, space).toString("latin1"));
    if (space < 0 || !Number.isSafeInteger(length) || length <= space - at || at + length > data.length)
      throw invalid("reference", `${what}: malformed pax record`);
    const record = data.subarray(space + 1, at + length - 1); // without the trailing newline
    const eq = record.indexOf(0x3d);
    records.set(record.subarray(0, eq).toString("utf8"), Buffer.from(record.subarray(eq + 1)));
    at += length;
  }
  return records;
}

const cString = (b: Buffer): string => {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString("utf8");
};

const isZero = (b: Buffer): boolean => b.every((byte) => byte === 0);
