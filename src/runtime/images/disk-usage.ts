// Bytes on disk as the image store counts them: the apparent size of each file, a hard-linked inode once, so that
// what DiskUsage reports for a blob or a layer is what removing it frees.
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, osError } from "../../errors.js";

export async function readdirOrEmpty(dir: string): Promise<string[]> {
  return readdir(dir).catch((err: unknown) => (errnoCode(err) === "ENOENT" ? [] : Promise.reject(osError("read directory", dir, err))));
}

/** The bytes of every file below `path` (or of `path` itself), 0 when it does not exist. */
export async function bytesUnder(path: string): Promise<number> {
  const seen = new Set<string>();
  const walk = async (p: string): Promise<number> => {
    const st = await lstat(p).catch((err: unknown) => (errnoCode(err) === "ENOENT" ? undefined : Promise.reject(osError("stat", p, err))));
    if (st === undefined) return 0;
    if (st.isDirectory()) {
      let sum = 0;
      for (const name of await readdirOrEmpty(p)) sum += await walk(join(p, name));
      return sum;
    }
    const inode = `${st.dev}:${st.ino}`;
    if (seen.has(inode)) return 0;
    seen.add(inode);
    return st.size;
  };
  return walk(path);
}
