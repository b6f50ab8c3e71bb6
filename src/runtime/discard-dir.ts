// Removing a directory a shim may still be writing into (its final status lands a moment after the exit is
// seen): the directory is first renamed into a trash folder, so its name is free at once and the shim's writes
// (relative to its open directory) follow it there; then it is removed, and what cannot be removed yet goes with
// the next emptyTrash.
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { errnoCode, osError } from "../errors.js";

export async function discardDir(dir: string, trashRoot: string): Promise<void> {
  await mkdir(trashRoot, { recursive: true, mode: 0o700 });
  const trash = join(trashRoot, randomBytes(8).toString("hex"));
  try {
    await rename(dir, trash);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return;
    throw osError("rename", dir, err);
  }
  await rm(trash, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 }).catch(() => undefined);
}

/** Removes whatever earlier discards left (run at start-up, when no shim of ours writes there any more). */
export async function emptyTrash(trashRoot: string): Promise<void> {
  await rm(trashRoot, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
}
