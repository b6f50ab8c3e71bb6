// A cpio archive in the "newc" format the kernel unpacks as an initramfs (Documentation/driver-api/early-userspace/
// buffer-format.rst): a 110-byte ASCII header per entry, name and data each padded to 4 bytes, then TRAILER!!!.
export type CpioEntry =
  | { readonly kind: "dir"; readonly path: string; readonly mode?: number }
  | { readonly kind: "file"; readonly path: string; readonly data: Buffer; readonly mode?: number }
  | { readonly kind: "symlink"; readonly path: string; readonly target: string };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/** The archive holding `entries` in order (a directory must come before what it holds). */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const entry of entries) {
    const [mode, data] =
      entry.kind === "dir" ? [S_IFDIR | (entry.mode ?? 0o755), Buffer.alloc(0)]
      : entry.kind === "file" ? [S_IFREG | (entry.mode ?? 0o644), entry.data]
      : [S_IFLNK | 0o777, Buffer.from(entry.target)];
    parts.push(...record(entry.path.replace(/^\/+/, ""), mode, data, ino++, entry.kind === "dir" ? 2 : 1));
  }
  parts.push(...record("TRAILER!!!", 0, Buffer.alloc(0), 0, 1));
  return Buffer.concat(parts);
}

function record(name: string, mode: number, data: Buffer, ino: number, nlink: number): Buffer[] {
  const nameBytes = Buffer.from(`${name}\0`);
  // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
  const fields = [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, "0")).join("")}`, "ascii");
  return [header, nameBytes, pad(header.length + nameBytes.length), data, pad(data.length)];
}

const pad = (length: number): Buffer => Buffer.alloc((4 - (length % 4)) % 4);
