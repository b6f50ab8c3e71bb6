import type { Command } from "commander";
import { constants } from "node:os";
import { InvalidArgumentError } from "commander";
import { Executable, ExecutableState } from "../../gen/aurae/executables/v1/executables.js";
import { withClient } from "../context.js";
import { printItems, type Printer } from "../output.js";
import { parseDurationMs } from "../units.js";

const STATE_NAMES: Record<ExecutableState, string> = {
  [ExecutableState.EXECUTABLE_STATE_UNSPECIFIED]: "unknown",
  [ExecutableState.EXECUTABLE_STATE_RUNNING]: "running",
  [ExecutableState.EXECUTABLE_STATE_STOPPING]: "stopping",
  [ExecutableState.EXECUTABLE_STATE_EXITED]: "exited",
  [ExecutableState.UNRECOGNIZED]: "unknown",
};

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, num]) => [num, name]));

function describeExit(x: Executable): string {
  const exit = x.status?.exit;
  if (!exit) return "-";
  const how = exit.code !== undefined ? `code ${exit.code}` : `signal ${SIGNAL_NAMES.get(exit.signal!) ?? exit.signal}`;
  return exit.oomKilled ? `${how} (OOM-killed)` : how;
}

const EXECUTABLE: Printer<Executable> = {
  columns: [
    ["CELL", (x) => x.spec?.cellName ?? ""],
    ["NAME", (x) => x.spec?.name ?? ""],
    ["STATE", (x) => STATE_NAMES[x.status?.state ?? ExecutableState.EXECUTABLE_STATE_UNSPECIFIED]],
    ["PID", (x) => String(x.status?.pid ?? "")],
    ["EXIT", describeExit],
    ["COMMAND", (x) => (x.spec?.argv ?? []).join(" ")],
  ],
  toJson: (x) => Executable.toJSON(x),
};

function parseSignal(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const name = text.toUpperCase().startsWith("SIG") ? text.toUpperCase() : `SIG${text.toUpperCase()}`;
  const num = constants.signals[name as keyof typeof constants.signals];
  if (num === undefined) throw new InvalidArgumentError(`"${text}" is not a signal name or number`);
  return num;
}

const collectEnv = (entry: string, env: Record<string, string>): Record<string, string> => {
  const eq = entry.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`"${entry}" is not KEY=VALUE`);
  return { ...env, [entry.slice(0, eq)]: entry.slice(eq + 1) };
};

export function registerExecutables(program: Command): void {
  const exec = program.command("exec").description("start, stop and inspect executables");
  exec
    .command("start")
    .description("run a program in a cell (no shell: argv is executed as given)")
    .argument("<cell>")
    .argument("<name>")
    .argument("<argv...>", "the program and its arguments (put them after --)")
    .option("-e, --env <KEY=VALUE>", "environment variable, repeatable", collectEnv, {})
    .option("--cwd <dir>", "working directory", "/")
    .action((cell: string, name: string, argv: string[], opts: { env: Record<string, string>; cwd: string }, command: Command) =>
      withClient(command, async (client, { output }) => {
        const { executable } = await client.executables.start({ spec: { cellName: cell, name, argv, env: opts.env, cwd: opts.cwd } });
        printItems([executable!], EXECUTABLE, output, true);
      }),
    );
  exec
    .command("stop")
    .description("send a signal, wait the grace period, then kill the process and its descendants")
    .argument("<cell>")
    .argument("<name>")
    .option("-s, --signal <signal>", "first signal (name or number)", parseSignal)
    .option("--grace <duration>", "wait before SIGKILL, e.g. 10s", parseDurationMs)
    .action((cell: string, name: string, opts: { signal?: number; grace?: number }, command: Command) =>
      withClient(command, async (client, { output }) => {
        const { executable } = await client.executables.stop({ cellName: cell, name, signal: opts.signal, gracePeriodMs: opts.grace });
        printItems([executable!], EXECUTABLE, output, true);
      }),
    );
  exec
    .command("get")
    .description("show one executable")
    .argument("<cell>")
    .argument("<name>")
    .action((cell: string, name: string, _opts, command: Command) =>
      withClient(command, async (client, { output }) => {
        const { executable } = await client.executables.get({ cellName: cell, name });
        printItems([executable!], EXECUTABLE, output, true);
      }),
    );
  exec
    .command("list")
    .description("list executables")
    .option("--cell <cell>", "only this cell's")
    .action((opts: { cell?: string }, command: Command) =>
      withClient(command, async (client, { output }) => {
        const executables: Executable[] = [];
        let pageToken = "";
        do {
          const page = await client.executables.list({ cellName: opts.cell ?? "", pageSize: 1000, pageToken });
          executables.push(...page.executables);
          pageToken = page.nextPageToken;
        } while (pageToken);
        printItems(executables, EXECUTABLE, output);
      }),
    );
}
