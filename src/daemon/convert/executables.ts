// The one file that knows both shapes of an executable.
import type { Executable, ExecutableSpec, ExecutableState } from "../../domain/executables/executable-spec.js";
import * as pb from "../../gen/aurae/executables/v1/executables.js";

export const executableSpecFromProto = (m: pb.ExecutableSpec): ExecutableSpec => ({
  cell: m.cellName,
  name: m.name,
  argv: m.argv,
  env: m.env,
  cwd: m.cwd === "" ? "/" : m.cwd,
});

const STATE: Record<ExecutableState, pb.ExecutableState> = {
  running: pb.ExecutableState.EXECUTABLE_STATE_RUNNING,
  stopping: pb.ExecutableState.EXECUTABLE_STATE_STOPPING,
  exited: pb.ExecutableState.EXECUTABLE_STATE_EXITED,
};

export function executableToProto(x: Executable): pb.Executable {
  const { spec } = x;
  return {
    spec: { cellName: spec.cell, name: spec.name, argv: [...spec.argv], env: { ...spec.env }, cwd: spec.cwd },
    status: {
      state: STATE[x.state],
      pid: x.pid,
      startedAt: x.startedAt,
      exitedAt: x.exitedAt,
      exit: x.exit && {
        ...(x.exit.code !== null && { code: x.exit.code }),
        ...(x.exit.signal !== null && { signal: x.exit.signal }),
        oomKilled: x.exit.oomKilled,
      },
    },
  };
}
