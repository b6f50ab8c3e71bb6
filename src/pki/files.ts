// Writing PKI material to disk. A private key must never be readable by others, not even for the moment between
// creating the file and a chmod: each file is written under a temporary name opened with its final mode, then
// moved into place whole, so a reader sees either nothing or the complete file.
import { randomBytes } from "node:crypto";
import { link, mkdir, open, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, exists, invalid, osError } from "../errors.js";

/** A certificate, and its private key when it is to be written too (leave it out to hand out a CA certificate). */
export interface PkiFileSet {
  readonly certPem: string;
  readonly keyPem?: string;
}

export interface WritePkiFilesOptions {
  /** Replace files that already exist. Default false: refuse, naming the file, and write nothing. */
  readonly overwrite?: boolean;
}

export const CERT_FILE_MODE = 0o644;
export const KEY_FILE_MODE = 0o600;
export const PKI_DIR_MODE = 0o700;
/** Under auraed's PKI directory: copies of client certificates issued offline, which auraed records at start. */
export const ISSUED_DIR = "issued";

/**
 * Writes `<name>.crt` (0644) and `<name>.key` (0600) into `dir` for each entry of `files`, creating `dir` (0700)
 * when it is missing. Returns the paths written, in order.
 */
export async function writePkiFiles(
  dir: string,
  files: Readonly<Record<string, PkiFileSet>>,
  opts: WritePkiFilesOptions = {},
): Promise<string[]> {
  const planned = planFiles(dir, files);
  await mkdir(dir, { recursive: true, mode: PKI_DIR_MODE }).catch((err: unknown) => {
    throw osError("create directory", dir, err);
  });
  if (!opts.overwrite) await refuseExisting(planned.map((file) => file.path));
  for (const file of planned) await writeFileWhole(file, opts.overwrite === true);
  return planned.map((file) => file.path);
}

interface PlannedFile {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

// Names become file names: one plain component, so that a name can never write outside `dir`.
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function planFiles(dir: string, files: Readonly<Record<string, PkiFileSet>>): PlannedFile[] {
  return Object.entries(files).flatMap(([name, set]) => {
    if (!FILE_NAME.test(name))
      throw invalid(`files.${name}`, `name must be letters, digits, ".", "-" and "_", not starting with "."`);
    const cert = { path: join(dir, `${name}.crt`), content: set.certPem, mode: CERT_FILE_MODE };
    if (set.keyPem === undefined) return [cert];
    return [cert, { path: join(dir, `${name}.key`), content: set.keyPem, mode: KEY_FILE_MODE }];
  });
}

// Checked for all files before any is written, so a refusal leaves the directory as it was.
async function refuseExisting(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const found = await stat(path).then(
      () => true,
      (err: unknown) => {
        if (errnoCode(err) === "ENOENT") return false;
        throw osError("stat", path, err);
      },
    );
    if (found) throw existsError(path);
  }
}

async function writeFileWhole(file: PlannedFile, overwrite: boolean): Promise<void> {
  const temp = `${file.path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const handle = await open(temp, "wx", file.mode);
    try {
      await handle.writeFile(file.content);
      await handle.chmod(file.mode); // the umask may have taken bits from a certificate's 0644
      await handle.sync();
    } finally {
      await handle.close();
    }
    // rename replaces an existing file; link fails with EEXIST instead, which closes the race with the check above.
    await (overwrite ? rename(temp, file.path) : link(temp, file.path));
  } catch (err) {
    if (errnoCode(err) === "EEXIST") throw existsError(file.path);
    throw osError("write", file.path, err);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

const existsError = (path: string) => exists(`${path} already exists; refusing to overwrite it`);
