// Starts workloads through the native shim (native/) and reads its one-line report. The shim detaches and outlives
// the daemon; after the report the daemon learns everything else from the files in the workload's state directory.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, open } from "node:fs/promises";
import { constants as osConstants } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { AuraeError, internal } from "../../errors.js";

export interface SpawnRequest {
  /** Directory the shim owns: pid, status.json and shim.log go here. */
  readonly stateDir: string;
  readonly logPath: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** cgroup directories the workload joins before exec. */
  readonly cgroupDirs: readonly string[];
  readonly oomEventsFile?: string;
}

export interface Spawned {
  readonly pid: number;
  readonly startedAtUnixNano: bigint;
}

/** Why a workload did not start, as the shim reported it. */
export class SpawnError extends Error {
  override name = "SpawnError";
  constructor(
    readonly errno: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ShimClient {
  constructor(private readonly shimPath: string) {}

  /** Resolves once the workload runs; rejects with SpawnError when the shim reports why it could not exec. */
  async spawn(req: SpawnRequest): Promise<Spawned> {
    await mkdir(req.stateDir, { recursive: true, mode: 0o700 });
    const shimLog = await open(join(req.stateDir, "shim.log"), "a", 0o600);
    try {
      const child = spawn(this.shimPath, shimArgs(req), {
        detached: true, // setsid: the shim must not share the daemon's session or die with it
        stdio: ["ignore", "pipe", shimLog.fd],
      });
      child.unref();
      const [spawnError] = await Promise.race([once(child, "spawn").then(() => [undefined]), once(child, "error")]);
      if (spawnError) throw internal(`start shim ${this.shimPath}: ${(spawnError as Error).message}`, { cause: spawnError });
      const line = await firstLine(child.stdout!);
      child.stdout!.destroy(); // the shim ignores EPIPE on later writes
      return parseReport(line, this.shimPath);
    } finally {
      await shimLog.close();
    }
  }
}

function shimArgs(req: SpawnRequest): string[] {
  const args = ["--state-dir", req.stateDir, "--log", req.logPath, "--cwd", req.cwd];
  for (const dir of req.cgroupDirs) args.push("--cgroup", dir);
  if (req.oomEventsFile) args.push("--oom-events", req.oomEventsFile);
  for (const [key, value] of Object.entries(req.env)) args.push("--env", `${key}=${value}`);
  return [...args, "--", ...req.argv];
}

async function firstLine(stream: NodeJS.ReadableStream): Promise<string | undefined> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of lines) return line;
  return undefined;
}

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, num]) => [num, name]));

function parseReport(line: string | undefined, shimPath: string): Spawned {
  const ok = line?.match(/^ok (\d+) (\d+)$/);
  if (ok) return { pid: Number(ok[1]), startedAtUnixNano: BigInt(ok[2]!) };
  const err = line?.match(/^err (\d+) (.*)$/);
  if (err) {
    const errno = Number(err[1]);
    const code = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
    throw new SpawnError(errno, code, err[2]!);
  }
  throw new AuraeError("internal", `shim ${shimPath} exited without a report (got ${JSON.stringify(line ?? "")}); see shim.log`);
}
