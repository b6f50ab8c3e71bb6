import type { Logger } from "pino";
import type { Executables } from "../../domain/executables/executables.js";
import { parseLabelSelector } from "../../domain/labels/label-selector.js";
import type { ExecutableServiceServer } from "../../gen/aurae/executables/v1/executables.js";
import { executableSpecFromProto, executableStatsToProto, executableToProto } from "../convert/executables.js";
import { required } from "../convert/int64.js";
import { unary } from "../rpc.js";

export const executableService = ({ executables, log }: { executables: Executables; log: Logger }): ExecutableServiceServer => ({
  start: unary(log, async (req) => ({
    executable: executableToProto(await executables.start(executableSpecFromProto(required(req.spec, "spec")))),
  })),
  stop: unary(log, async (req) => ({
    executable: executableToProto(
      await executables.stop(req.cellName, req.name, { signal: req.signal, graceMs: req.gracePeriodMs }),
    ),
  })),
  restart: unary(log, async (req) => ({
    executable: executableToProto(await executables.restart(req.cellName, req.name, { signal: req.signal, graceMs: req.gracePeriodMs })),
  })),
  stats: unary(log, async (req) => ({ stats: executableStatsToProto(await executables.stats(req.cellName, req.name)) })),
  signal: unary(log, async (req) => {
    await executables.signal(req.cellName, req.name, req.signal);
    return {};
  }),
  wait: unary(log, async (req, signal) => ({ executable: executableToProto(await executables.wait(req.cellName, req.name, signal)) })),
  get: unary(log, async (req) => ({ executable: executableToProto(executables.get(req.cellName, req.name)) })),
  list: unary(log, async (req) => {
    const page = executables.list(req.cellName === "" ? undefined : req.cellName, req, parseLabelSelector(req.labelSelector));
    return { executables: page.executables.map(executableToProto), nextPageToken: page.nextPageToken };
  }),
});
