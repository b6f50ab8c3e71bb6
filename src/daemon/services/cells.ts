import type { Logger } from "pino";
import type { Cells } from "../../domain/cells/cells.js";
import { parseLabelSelector } from "../../domain/labels/label-selector.js";
import type { CellServiceServer } from "../../gen/aurae/cells/v1/cells.js";
import { cellSpecFromProto, cellStatsToProto, cellToProto } from "../convert/cells.js";
import { required } from "../convert/int64.js";
import { unary } from "../rpc.js";

export const cellService = ({ cells, log }: { cells: Cells; log: Logger }): CellServiceServer => ({
  allocate: unary(log, async (req) => ({
    cell: cellToProto(await cells.allocate(cellSpecFromProto(required(req.spec, "spec")))),
  })),
  free: unary(log, async (req) => {
    await cells.free(req.name, { stop: req.stop, graceMs: req.gracePeriodMs });
    return {};
  }),
  update: unary(log, async (req) => ({ cell: cellToProto(await cells.update(cellSpecFromProto(required(req.spec, "spec")))) })),
  freeze: unary(log, async (req) => ({ cell: cellToProto(await cells.freeze(req.name)) })),
  thaw: unary(log, async (req) => ({ cell: cellToProto(await cells.thaw(req.name)) })),
  stats: unary(log, async (req) => ({ stats: cellStatsToProto(await cells.stats(req.name)) })),
  get: unary(log, async (req) => ({ cell: cellToProto(await cells.get(req.name)) })),
  list: unary(log, async (req) => {
    const page = await cells.list(req, req.cellName, parseLabelSelector(req.labelSelector));
    return { cells: page.cells.map(cellToProto), nextPageToken: page.nextPageToken };
  }),
});
