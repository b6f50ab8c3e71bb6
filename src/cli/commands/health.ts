import type { Command } from "commander";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/grpc/health/v1/health.js";
import { withClient } from "../context.js";
import { EXIT } from "../exit-codes.js";

export function registerHealth(program: Command): void {
  program
    .command("health")
    .description("ask the daemon whether it serves (grpc.health.v1)")
    .argument("[service]", "a service name such as aurae.cells.v1.CellService; default: the whole daemon", "")
    .action((service: string, _opts, command: Command) =>
      withClient(command, async (client, { output }) => {
        const { status } = await client.health.check({ service }, { deadline: 10_000 });
        const name = ServingStatus[status] ?? String(status);
        process.stdout.write(output === "json" ? `${JSON.stringify({ status: name })}\n` : `${name}\n`);
        if (status !== ServingStatus.SERVING) process.exitCode = EXIT.unavailable;
      }),
    );
}
