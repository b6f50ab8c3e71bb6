import type { Command } from "commander";
import { Cell } from "../../gen/aurae/cells/v1/cells.js";
import { withClient } from "../context.js";
import { printItems, type Printer } from "../output.js";
import { formatBytes, parseInteger, parseSize } from "../units.js";

const CELL: Printer<Cell> = {
  columns: [
    ["NAME", (c) => c.spec?.name ?? ""],
    ["MEMORY MAX", (c) => formatBytes(c.spec?.memory?.maxBytes)],
    ["CPU", (c) => (c.spec?.cpu?.quotaUs === undefined ? "-" : `${c.spec.cpu.quotaUs}/${c.spec.cpu.periodUs ?? 100000n}us`)],
    ["PIDS MAX", (c) => c.spec?.pids?.max?.toString() ?? "-"],
    ["CREATED", (c) => c.status?.createdAt?.toISOString() ?? ""],
  ],
  toJson: (c) => Cell.toJSON(c),
};

interface AllocateOptions {
  memoryMax?: bigint;
  cpuQuotaUs?: number;
  cpuPeriodUs?: number;
  pidsMax?: number;
}

export function registerCells(program: Command): void {
  const cell = program.command("cell").description("allocate, inspect and free cells");
  cell
    .command("allocate")
    .description("create a cell with limits")
    .argument("<name>", 'cell name, e.g. "web" or "web/api"')
    .option("--memory-max <size>", "memory limit, e.g. 64M", parseSize)
    .option("--cpu-quota-us <us>", "cpu time per period, in microseconds", parseInteger)
    .option("--cpu-period-us <us>", "cpu period, in microseconds (default 100000)", parseInteger)
    .option("--pids-max <n>", "most tasks in the cell", parseInteger)
    .action((name: string, opts: AllocateOptions, command: Command) =>
      withClient(command, async (client, { output }) => {
        const big = (n: number | undefined): bigint | undefined => (n === undefined ? undefined : BigInt(n));
        const { cell: allocated } = await client.cells.allocate({
          spec: {
            name,
            cpu: opts.cpuQuotaUs ?? opts.cpuPeriodUs ? { quotaUs: big(opts.cpuQuotaUs), periodUs: big(opts.cpuPeriodUs) } : undefined,
            memory: opts.memoryMax === undefined ? undefined : { maxBytes: opts.memoryMax },
            pids: opts.pidsMax === undefined ? undefined : { max: big(opts.pidsMax) },
          },
        });
        printItems([allocated!], CELL, output, true);
      }),
    );
  cell
    .command("free")
    .description("remove a cell (it must hold no child cell and no running executable)")
    .argument("<name>")
    .action((name: string, _opts, command: Command) =>
      withClient(command, async (client) => {
        await client.cells.free({ name });
      }),
    );
  cell
    .command("get")
    .description("show one cell")
    .argument("<name>")
    .action((name: string, _opts, command: Command) =>
      withClient(command, async (client, { output }) => printItems([(await client.cells.get({ name })).cell!], CELL, output, true)),
    );
  cell
    .command("list")
    .description("list cells")
    .action((_opts, command: Command) =>
      withClient(command, async (client, { output }) => {
        const cells: Cell[] = [];
        let pageToken = "";
        do {
          const page = await client.cells.list({ pageSize: 1000, pageToken });
          cells.push(...page.cells);
          pageToken = page.nextPageToken;
        } while (pageToken);
        printItems(cells, CELL, output);
      }),
    );
}
