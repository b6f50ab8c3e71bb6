// The one file that knows both shapes of an executable.
import {
  DEFAULT_MAX_RESTART_DELAY_MS,
  DEFAULT_UMASK,
  type Executable,
  type ExecutableSpec,
  type ExecutableState,
  type RestartMode,
  type StdinMode,
} from "../../domain/executables/executable-spec.js";
import type { CellStats } from "../../domain/cells/cells.js";
import * as pb from "../../gen/aurae/executables/v1/executables.js";
import { cellStatsToProto } from "./cells.js";
import { enumFromProto } from "./enums.js";
import { uint64ToNumber } from "./int64.js";

const STDIN: Record<Exclude<pb.StdinMode, pb.StdinMode.UNRECOGNIZED>, StdinMode> = {
  [pb.StdinMode.STDIN_MODE_UNSPECIFIED]: "null",
  [pb.StdinMode.STDIN_MODE_NULL]: "null",
  [pb.StdinMode.STDIN_MODE_CLOSED]: "closed",
};

const RESTART: Record<Exclude<pb.RestartMode, pb.RestartMode.UNRECOGNIZED>, RestartMode> = {
  [pb.RestartMode.RESTART_MODE_UNSPECIFIED]: "no",
  [pb.RestartMode.RESTART_MODE_NO]: "no",
  [pb.RestartMode.RESTART_MODE_ON_FAILURE]: "on-failure",
  [pb.RestartMode.RESTART_MODE_ALWAYS]: "always",
};

export const executableSpecFromProto = (m: pb.ExecutableSpec): ExecutableSpec => ({
  cell: m.cellName,
  name: m.name,
  argv: m.argv,
  env: m.env,
  cwd: m.cwd === "" ? "/" : m.cwd,
  shell: m.shell,
  ...(m.user !== "" && { user: m.user }),
  ...(m.group !== "" && { group: m.group }),
  ...(m.supplementaryGroups.length > 0 && { supplementaryGroups: m.supplementaryGroups }),
  umask: m.umask ?? DEFAULT_UMASK,
  rlimits: m.rlimits.map((r, i) => ({
    resource: r.resource,
    soft: uint64ToNumber(r.soft, `spec.rlimits[${i}].soft`),
    hard: uint64ToNumber(r.hard, `spec.rlimits[${i}].hard`),
  })),
  stdin: enumFromProto(STDIN, m.stdin, "spec.stdin", pb.StdinMode),
  restart: {
    mode: enumFromProto(RESTART, m.restart?.mode ?? pb.RestartMode.RESTART_MODE_UNSPECIFIED, "spec.restart.mode", pb.RestartMode),
    maxRestarts: m.restart?.maxRestarts ?? 0,
    maxDelayMs: m.restart?.maxDelayMs ?? DEFAULT_MAX_RESTART_DELAY_MS,
  },
  ...(Object.keys(m.labels).length > 0 && { labels: m.labels }),
});

const STATE: Record<ExecutableState, pb.ExecutableState> = {
  running: pb.ExecutableState.EXECUTABLE_STATE_RUNNING,
  stopping: pb.ExecutableState.EXECUTABLE_STATE_STOPPING,
  exited: pb.ExecutableState.EXECUTABLE_STATE_EXITED,
  backoff: pb.ExecutableState.EXECUTABLE_STATE_BACKOFF,
  starting: pb.ExecutableState.EXECUTABLE_STATE_STARTING,
};

const STDIN_TO_PROTO: Record<StdinMode, pb.StdinMode> = { null: pb.StdinMode.STDIN_MODE_NULL, closed: pb.StdinMode.STDIN_MODE_CLOSED };
const RESTART_TO_PROTO: Record<RestartMode, pb.RestartMode> = {
  no: pb.RestartMode.RESTART_MODE_NO,
  "on-failure": pb.RestartMode.RESTART_MODE_ON_FAILURE,
  always: pb.RestartMode.RESTART_MODE_ALWAYS,
};

export function executableToProto(x: Executable): pb.Executable {
  const { spec } = x;
  const big = (n: number | undefined): bigint | undefined => (n === undefined ? undefined : BigInt(n));
  return {
    spec: {
      cellName: spec.cell,
      name: spec.name,
      argv: [...spec.argv],
      env: { ...spec.env },
      cwd: spec.cwd,
      shell: spec.shell,
      user: spec.user ?? "",
      group: spec.group ?? "",
      supplementaryGroups: [...(spec.supplementaryGroups ?? [])],
      umask: spec.umask,
      rlimits: spec.rlimits.map((r) => ({ resource: r.resource, soft: big(r.soft), hard: big(r.hard) })),
      stdin: STDIN_TO_PROTO[spec.stdin],
      restart: { mode: RESTART_TO_PROTO[spec.restart.mode], maxRestarts: spec.restart.maxRestarts, maxDelayMs: spec.restart.maxDelayMs },
      labels: { ...spec.labels },
    },
    status: {
      state: STATE[x.state],
      pid: x.pid,
      startedAt: x.startedAt,
      exitedAt: x.exitedAt,
      exit: x.exit && {
        ...(x.exit.code !== null && { code: x.exit.code }),
        ...(x.exit.signal !== null && { signal: x.exit.signal }),
        oomKilled: x.exit.oomKilled,
        cpuUserUs: BigInt(x.exit.cpuUserUs),
        cpuSystemUs: BigInt(x.exit.cpuSystemUs),
        lost: x.exit.lost ?? false,
      },
      restartCount: x.restartCount,
      nextRestartAt: x.nextRestartAt,
    },
  };
}

/** A cell's counters without throttling, which only a cell's own cpu quota has. */
export function executableStatsToProto(s: CellStats): pb.ExecutableStats {
  const { cpuThrottledPeriods: _periods, cpuThrottledUs: _us, ...usage } = cellStatsToProto(s);
  return usage;
}
