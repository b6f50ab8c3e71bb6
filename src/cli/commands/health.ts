import type { Command } from "commander";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/grpc/health/v1/health.js";
import { fanOut, outputOptions } from "../context.js";
import { EXIT } from "../exit-codes.js";
import { printRows, type Printer } from "../output.js";

interface Health {
  readonly service: string;
  readonly status: string;
}

const HEALTH: Printer<Health> = {
  columns: [["STATUS", (h) => h.status]],
  toJson: (h) => ({ service: h.service, status: h.status }),
  name: (h) => h.status,
};

export function registerHealth(program: Command): void {
  program
    .command("health")
    .description("ask the daemon whether it serves (grpc.health.v1); exit code 5 when it does not")
    .argument("[service]", "a service name such as aurae.cells.v1.CellService; default: the whole daemon", "")
    .action(async (service: string, _opts, command: Command) => {
      const rows = await fanOut(command, async (client) => {
        const { status } = await client.health.check({ service }, { deadline: 10_000 });
        if (status !== ServingStatus.SERVING) process.exitCode ||= EXIT.unavailable;
        return [{ service, status: ServingStatus[status] ?? String(status) }];
      });
      const out = outputOptions(command);
      if (out.quiet) return;
      // One node's table is just its status, as it always was: scripts compare it to SERVING.
      if (out.format === "table" && rows.length === 1 && rows[0]!.node === undefined) return void process.stdout.write(`${rows[0]!.item.status}\n`);
      printRows(rows, HEALTH, out, true);
    });
}
