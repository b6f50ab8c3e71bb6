// Writes tar archives (POSIX ustar with pax extended headers) from a list of entries, so tests build layers with
// exactly the entries they need: whiteouts, devices, hard links, xattrs, and the hostile ones (`../x`, `/etc/x`).

export type TarEntry = {
  readonly path: string;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly mtimeSec?: number;
  /** pax `SCHILY.xattr.<name>` records. */
  readonly xattrs?: Readonly<Record<string, string | Buffer>>;
} & (
  | { readonly type: "file"; readonly content?: string | Buffer }
  | { readonly type: "dir" }
  | { readonly type: "symlink" | "hardlink"; readonly target: string }
  | { readonly type: "char" | "block"; readonly major: number; readonly minor: number }
  | { readonly type: "fifo" }
);

const TYPEFLAG = { file: "0", hardlink: "1", symlink: "2", char: "3", block: "4", dir: "5", fifo: "6" } as const;

/** The tar bytes of `entries`, in order, ending with the two zero blocks. */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const content = e.type === "file" ? Buffer.from(e.content ?? "") : Buffer.alloc(0);
    const pax: Record<string, string | Buffer> = {};
    if (Buffer.byteLength(e.path) > 100) pax.path = e.path;
    if ((e.type === "symlink" || e.type === "hardlink") && Buffer.byteLength(e.target) > 100) pax.linkpath = e.target;
    for (const [name, value] of Object.entries(e.xattrs ?? {})) pax[`SCHILY.xattr.${name}`] = value;
    if (Object.keys(pax).length > 0) {
      const body = paxBody(pax);
      parts.push(header({ name: "PaxHeader", typeflag: "x", size: body.length }), pad(body));
    }
    parts.push(header({
      name: e.path.slice(0, 100),
      typeflag: TYPEFLAG[e.type],
      size: content.length,
      mode: e.mode ?? (e.type === "dir" ? 0o755 : e.type === "symlink" ? 0o777 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: e.mtimeSec ?? 1_700_000_000,
      linkname: e.type === "symlink" || e.type === "hardlink" ? e.target.slice(0, 100) : "",
      major: e.type === "char" || e.type === "block" ? e.major : 0,
      minor: e.type === "char" || e.type === "block" ? e.minor : 0,
    }), pad(content));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

interface Header {
  name: string; typeflag: string; size: number; mode?: number; uid?: number; gid?: number; mtime?: number;
  linkname?: string; major?: number; minor?: number;
}

function header(h: Header): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.name, 0, 100);
  octal(b, 100, 8, h.mode ?? 0o644);
  octal(b, 108, 8, h.uid ?? 0);
  octal(b, 116, 8, h.gid ?? 0);
  octal(b, 124, 12, h.size);
  octal(b, 136, 12, h.mtime ?? 0);
  b.write(h.typeflag, 156, 1);
  b.write(h.linkname ?? "", 157, 100);
  b.write("ustar\u000000", 257, 8);
  octal(b, 329, 8, h.major ?? 0);
  octal(b, 337, 8, h.minor ?? 0);
  b.fill(" ", 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8);
  return b;
}

function octal(b: Buffer, offset: number, length: number, value: number): void {
  b.write(`${value.toString(8).padStart(length - 1, "0")}\u0000`, offset, length);
}

const pad = (body: Buffer): Buffer => Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);

/** pax records: "<length> <key>=<value>\n", the length counting itself. */
function paxBody(records: Readonly<Record<string, string | Buffer>>): Buffer {
  return Buffer.concat(Object.entries(records).map(([key, value]) => {
    const rest = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from("\n")]);
    let length = rest.length + 1;
    while (String(length).length + rest.length !== length) length = String(length).length + rest.length;
    return Buffer.concat([Buffer.from(String(length)), rest]);
  }));
}
