// What a spawn answers: the workload's pid and start time, or why it did not start, from the shim's report line
// (native/src/main.c), whichever way the shim was started (launcher.ts, direct-spawn.ts).
import { constants as osConstants } from "node:os";
import { AuraeError } from "../../errors.js";
import { parseShimReport } from "./launcher-protocol.js";

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

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, num]) => [num, name]));

/** The shim's report as a result: Spawned for `ok`, a thrown SpawnError for `err`. */
export function spawnedFrom(report: ReturnType<typeof parseShimReport>, what: string): Spawned {
  if (report?.kind === "ok") return { pid: report.pid, startedAtUnixNano: report.startedAtUnixNano };
  if (report?.kind === "err") throw new SpawnError(report.errno, ERRNO_NAMES.get(report.errno) ?? `errno ${report.errno}`, report.message);
  throw new AuraeError("internal", `${what} exited without a report; see shim.log`);
}
