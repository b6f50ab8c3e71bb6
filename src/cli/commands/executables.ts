import { constants } from "node:os";
import { InvalidArgumentError, Option, type Command } from "commander";
import { Executable, ExecutableState, RestartMode, StdinMode } from "../../gen/aurae/executables/v1/executables.js";
import { withClient } from "../context.js";
import { printItems, type Printer } from "../output.js";
import { parseDurationMs, parseInteger } from "../units.js";

const STATE_NAMES: Record<ExecutableState, string> = {
  [ExecutableState.EXECUTABLE_STATE_UNSPECIFIED]: "unknown",
  [ExecutableState.EXECUTABLE_STATE_RUNNING]: "running",
  [ExecutableState.EXECUTABLE_STATE_STOPPING]: "stopping",
  [ExecutableState.EXECUTABLE_STATE_EXITED]: "exited",
  [ExecutableState.EXECUTABLE_STATE_BACKOFF]: "backoff",
  [ExecutableState.EXECUTABLE_STATE_STARTING]: "starting",
  [ExecutableState.UNRECOGNIZED]: "unknown",
};

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, num]) => [num, name]));

function describeExit(x: Executable): string {
  const exit = x.status?.exit;
  if (!exit) return "-";
  const how = exit.code !== undefined ? `code ${exit.code}` : `signal ${SIGNAL_NAMES.get(exit.signal!) ?? exit.signal}`;
  if (exit.lost) return "lost";
  return exit.oomKilled ? `${how} (OOM-killed)` : how;
}

const EXECUTABLE: Printer<Executable> = {
  columns: [
    ["CELL", (x) => x.spec?.cellName ?? ""],
    ["NAME", (x) => x.spec?.name ?? ""],
    ["STATE", (x) => STATE_NAMES[x.status?.state ?? ExecutableState.EXECUTABLE_STATE_UNSPECIFIED]],
    ["PID", (x) => String(x.status?.pid ?? "")],
    ["EXIT", describeExit],
    ["RESTARTS", (x) => String(x.status?.restartCount ?? 0)],
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

interface StartOptions {
  env: Record<string, string>;
  cwd: string;
  shell?: boolean;
  user?: string;
  group?: string;
  groups?: string[];
  umask?: number;
  rlimit: { resource: string; soft?: bigint; hard?: bigint }[];
  stdinClosed?: boolean;
  restart: "no" | "on-failure" | "always";
  maxRestarts: number;
  maxRestartDelay?: number;
}

const RESTART_MODES = {
  no: RestartMode.RESTART_MODE_NO,
  "on-failure": RestartMode.RESTART_MODE_ON_FAILURE,
  always: RestartMode.RESTART_MODE_ALWAYS,
} as const;

function parseOctal(text: string): number {
  if (!/^0?[0-7]{1,3}$/.test(text)) throw new InvalidArgumentError(`"${text}" is not an octal mask such as 022`);
  return parseInt(text, 8);
}

/** "nofile=1024:4096", "nofile=1024" (soft = hard), "core=unlimited". */
function collectRlimit(text: string, all: StartOptions["rlimit"]): StartOptions["rlimit"] {
  const match = /^([a-z]+)=(\d+|unlimited)(?::(\d+|unlimited))?$/.exec(text);
  if (!match) throw new InvalidArgumentError(`"${text}" is not name=soft[:hard], e.g. nofile=1024:4096`);
  const value = (v: string) => (v === "unlimited" ? undefined : BigInt(v));
  return [...all, { resource: match[1]!, soft: value(match[2]!), hard: value(match[3] ?? match[2]!) }];
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
    .description("run a program in a cell (no shell unless --shell: argv is executed as given)")
    .argument("<cell>")
    .argument("<name>")
    .argument("<argv...>", "the program and its arguments (put them after --)")
    .option("-e, --env <KEY=VALUE>", "environment variable, repeatable", collectEnv, {})
    .option("--cwd <dir>", "working directory", "/")
    .option("--shell", "run the one argument as a /bin/sh -c command line")
    .option("--user <user>", "user name or uid")
    .option("--group <group>", "group name or gid")
    .option("--groups <list>", "supplementary groups, comma-separated", (text: string) => text.split(",").filter(Boolean))
    .option("--umask <octal>", "file mode creation mask (default 022)", parseOctal)
    .option("--rlimit <name=soft[:hard]>", "resource limit, e.g. nofile=1024:4096 (repeatable)", collectRlimit, [])
    .option("--stdin-closed", "start with no file descriptor 0 (default: /dev/null)")
    .addOption(new Option("--restart <mode>", "restart policy").choices(["no", "on-failure", "always"]).default("no"))
    .option("--max-restarts <n>", "give up after this many restarts (0: never)", parseInteger, 0)
    .option("--max-restart-delay <duration>", "longest back-off between restarts (default 5m)", parseDurationMs)
    .action((cell: string, name: string, argv: string[], opts: StartOptions, command: Command) =>
      withClient(command, async (client, { output }) => {
        const { executable } = await client.executables.start({
          spec: {
            cellName: cell,
            name,
            argv,
            env: opts.env,
            cwd: opts.cwd,
            shell: opts.shell ?? false,
            user: opts.user ?? "",
            group: opts.group ?? "",
            supplementaryGroups: opts.groups ?? [],
            umask: opts.umask,
            rlimits: opts.rlimit,
            stdin: opts.stdinClosed ? StdinMode.STDIN_MODE_CLOSED : StdinMode.STDIN_MODE_NULL,
            restart: { mode: RESTART_MODES[opts.restart], maxRestarts: opts.maxRestarts, maxDelayMs: opts.maxRestartDelay },
          },
        });
        printItems([executable!], EXECUTABLE, output, true);
      }),
    );
  exec
    .command("signal")
    .description("send a signal to an executable's main process")
    .argument("<cell>")
    .argument("<name>")
    .argument("<signal>", "name (TERM, HUP, ...) or number", parseSignal)
    .action((cell: string, name: string, signal: number, _opts, command: Command) =>
      withClient(command, async (client) => {
        await client.executables.signal({ cellName: cell, name, signal });
      }),
    );
  exec
    .command("wait")
    .description("wait until an executable has exited for good, then show it")
    .argument("<cell>")
    .argument("<name>")
    .option("--timeout <duration>", "give up after this long", parseDurationMs)
    .action((cell: string, name: string, opts: { timeout?: number }, command: Command) =>
      withClient(command, async (client, { output }) => {
        const { executable } = await client.executables.wait({ cellName: cell, name }, { deadline: opts.timeout });
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
