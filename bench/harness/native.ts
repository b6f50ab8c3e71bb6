// Compiles the C baseline helpers (bench/native/) with the machine's cc into a temp dir, at bench time.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cleanup } from "./cleanup.js";
import { REPO } from "./daemon.js";
import { runToExit } from "./timing.js";

/** Builds bench/native/<name>.c; resolves with the binary's path. */
export async function buildHelper(cleanup: Cleanup, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "aurae-bench-native-"));
  cleanup.add(`helper dir ${dir}`, () => rm(dir, { recursive: true, force: true }));
  const binary = join(dir, name);
  await runToExit(process.env.CC ?? "cc", ["-O2", "-Wall", "-o", binary, join(REPO, "bench/native", `${name}.c`)], ["ignore", "inherit", "inherit"]);
  return binary;
}
