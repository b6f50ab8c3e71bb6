// The one file that knows both shapes of a process list.
import type { ProcessList } from "../../domain/executables/processes.js";
import type { ListProcessesResponse } from "../../gen/aurae/observe/v1/observe.js";

export const processListToProto = (list: ProcessList): ListProcessesResponse => ({
  processes: list.processes.map((p) => ({
    pid: p.pid,
    ppid: p.ppid,
    cellName: p.cell,
    executableName: p.executable,
    argv: [...p.argv],
    comm: p.comm,
  })),
  omitted: list.omitted,
});
