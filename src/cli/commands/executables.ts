import { constants } from "node:os";
import { InvalidArgumentError, Option, type Command } from "commander";
import type { AuraeClient } from "../../client/connect.js";
import { clientError, DeadlineExceededError } from "../../client/errors.js";
import { Executable, ExecutableState, RestartMode, StdinMode } from "../../gen/aurae/executables/v1/executables.js";
import { fanOut, outputOptions, withClient } from "../context.js";
import { EXIT } from "../exit-codes.js";
import { addLabelOption, addSelectorOptions, withLabels, type SelectorOptions } from "../labels.js";
import { printRows, protoJson, type Printer } from "../output.js";
import { withProgress } from "../progress.js";
import { formatDuration, parseDurationMs, parseInteger } from "../units.js";
import { addWatchOptions, watchRows, type WatchOptions } from "../watch.js";
import { allPages, PAGE_SIZE } from "../pages.js";

export const STATE_NAMES: Record<ExecutableState, string> = {
  [ExecutableState.EXECUTABLE_STATE_UNSPECIFIED]: "unknown",
  [ExecutableState.EXECUTABLE_STATE_RUNNING]: "running",
  [ExecutableState.EXECUTABLE_STATE_STOPPING]: "stopping",
  [ExecutableState.EXECUTABLE_STATE_EXITED]: "exited",
  [ExecutableState.EXECUTABLE_STATE_BACKOFF]: "backoff",
  [ExecutableState.EXECUTABLE_STATE_STARTING]: "starting",
  [ExecutableState.UNRECOGNIZED]: "unknown",
};

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, num]) => [num, name]));

export function describeExit(x: Executable): string {
  const exit = x.status?.exit;
  if (!exit) return "-";
  const how = exit.code !== undefined ? `code ${exit.code}` : `signal ${SIGNAL_NAMES.get(exit.signal!) ?? exit.signal}`;
  if (exit.lost) return "lost";
  return exit.oomKilled ? `${how} (OOM-killed)` : how;
}

/** Exited with a code other than 0, killed by a signal, or lost: how `exec wait` tells a script it failed. */
const hasFailed = (x: Executable): boolean => {
  const exit = x.status?.exit;
  return exit !== undefined && (exit.lost || exit.signal !== undefined || (exit.code ?? 0) !== 0);
};

/** "web/api/hello": the cell path and the executable's name, as aer status takes it. */
export const qualifiedName = (x: Executable): string => `${x.spec?.cellName ?? ""}/${x.spec?.name ?? ""}`;

/** Running, or about to run again: what stopping a cell has to wait for. */
export const isActive = (x: Executable): boolean => x.status?.state !== ExecutableState.EXECUTABLE_STATE_EXITED;

/** Every executable (of one cell and those below it, if given; those a label selector matches, if given), all pages. */
export const listExecutables = (client: AuraeClient, cell = "", labelSelector = ""): Promise<Executable[]> =>
  allPages((pageToken) => client.executables.list({ cellName: cell, labelSelector, pageSize: PAGE_SIZE, pageToken }), (page) => page.executables);

export const EXECUTABLE: Printer<Executable> = {
  columns: [
    ["CELL", (x) => x.spec?.cellName ?? ""],
    ["NAME", (x) => x.spec?.name ?? ""],
    ["STATE", (x) => STATE_NAMES[x.status?.state ?? ExecutableState.EXECUTABLE_STATE_UNSPECIFIED]],
    ["PID", (x) => String(x.status?.pid ?? "")],
    ["EXIT", describeExit],
    ["RESTARTS", (x) => String(x.status?.restartCount ?? 0)],
    ["COMMAND", (x) => (x.spec?.argv ?? []).join(" ")],
  ],
  toJson: (x) => protoJson(Executable, x),
  name: qualifiedName,
};

const printOne = (command: Command, x: Executable | undefined): void => printRows([{ item: x! }], EXECUTABLE, outputOptions(command), true);

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
  label: Record<string, string>;
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
  addLabelOption(exec.command("start"), "executable")
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
      withClient(command, async (client) => {
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
            labels: opts.label,
          },
        });
        printOne(command, executable);
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
    .description("wait until an executable has exited for good, then show it; exit 10 if it failed (a code other than 0, a signal, lost)")
    .argument("<cell>")
    .argument("<name>")
    .option("--timeout <duration>", "give up after this long (exit 5)", parseDurationMs)
    .action((cell: string, name: string, opts: { timeout?: number }, command: Command) =>
      withClient(command, async (client) => {
        const started = Date.now();
        const executable = await withProgress(outputOptions(command), `waiting for ${cell}/${name}`, async (progress) => {
          const { executable: now } = await client.executables.get({ cellName: cell, name });
          const tick = setInterval(() => progress.update(`waiting for ${cell}/${name}: ${describeState(now!)}, ${formatDuration(Date.now() - started)}`), 250);
          try {
            return (await client.executables.wait({ cellName: cell, name }, { deadline: opts.timeout })).executable;
          } catch (err) {
            if (!(err instanceof DeadlineExceededError) || opts.timeout === undefined) throw err;
            throw clientError("deadline", `${cell}/${name} has not exited after ${formatDuration(opts.timeout)} (wait longer with --timeout, or end it with "aer exec stop ${cell} ${name}")`, { cause: err });
          } finally {
            clearInterval(tick);
          }
        });
        printOne(command, executable);
        if (hasFailed(executable!)) process.exitCode = EXIT.executableFailed;
      }),
    );
  exec
    .command("stop")
    .description("send a signal, wait the grace period, then kill the process and its descendants")
    .argument("<cell>")
    .argument("<name>")
    .option("-s, --signal <signal>", "first signal (name or number)", parseSignal)
    .option("--grace <duration>", "wait before SIGKILL, e.g. 10s", parseDurationMs)
    .action((cell: string, name: string, opts: StopFlags, command: Command) =>
      withClient(command, async (client) => {
        const { executable } = await withStopCountdown(command, `stopping ${cell}/${name}`, opts, () =>
          client.executables.stop({ cellName: cell, name, signal: opts.signal, gracePeriodMs: opts.grace }),
        );
        printOne(command, executable);
      }),
    );
  exec
    .command("restart")
    .description("stop an executable as stop does, then start the same spec again (an exited one starts at once)")
    .argument("<cell>")
    .argument("<name>")
    .option("-s, --signal <signal>", "first signal (name or number)", parseSignal)
    .option("--grace <duration>", "wait before SIGKILL, e.g. 10s", parseDurationMs)
    .action((cell: string, name: string, opts: StopFlags, command: Command) =>
      withClient(command, async (client) => {
        const { executable } = await withStopCountdown(command, `restarting ${cell}/${name}`, opts, () =>
          client.executables.restart({ cellName: cell, name, signal: opts.signal, gracePeriodMs: opts.grace }),
        );
        printOne(command, executable);
      }),
    );
  exec
    .command("get")
    .description("show one executable")
    .argument("<cell>")
    .argument("<name>")
    .action(async (cell: string, name: string, _opts, command: Command) => {
      const rows = await fanOut(command, async (client) => [(await client.executables.get({ cellName: cell, name })).executable!]);
      printRows(rows, EXECUTABLE, outputOptions(command), true);
    });
  addSelectorOptions(addWatchOptions(exec.command("list").description("list executables")))
    .option("--cell <cell>", "only this cell's and those of the cells below it")
    .action(async (opts: WatchOptions & SelectorOptions & { cell?: string }, command: Command) => {
      const read = (client: AuraeClient) => listExecutables(client, opts.cell, opts.selector);
      const printer = withLabels(EXECUTABLE, opts.showLabels, (x) => x.spec?.labels);
      if (opts.watch) return watchRows(command, printer, opts.interval, read);
      printRows(await fanOut(command, read), printer, outputOptions(command));
    });
}

interface StopFlags {
  signal?: number;
  grace?: number;
}

/** The daemon's grace period when a stop names none. */
const DEFAULT_GRACE_MS = 10_000;

/**
 * A countdown on a terminal while a stop's grace period runs ("stopping web/x: SIGTERM sent, SIGKILL in 27s"), so a
 * long --grace does not look like a hang.
 */
function withStopCountdown<T>(command: Command, label: string, opts: StopFlags, work: () => Promise<T>): Promise<T> {
  const signal = SIGNAL_NAMES.get(opts.signal ?? constants.signals.SIGTERM) ?? `signal ${opts.signal}`;
  const killAt = Date.now() + (opts.grace ?? DEFAULT_GRACE_MS);
  return withProgress(outputOptions(command), label, async (progress) => {
    const tick = () => {
      const leftMs = killAt - Date.now();
      progress.update(leftMs > 0 ? `${label}: ${signal} sent, SIGKILL in ${formatDuration(Math.ceil(leftMs / 1000) * 1000)}` : `${label}: SIGKILL sent, waiting for the exit`);
    };
    tick();
    const timer = setInterval(tick, 250);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  });
}

/** "running, pid 1234", "backoff, restart 3", "exited, code 0". */
export function describeState(x: Executable): string {
  const state = STATE_NAMES[x.status?.state ?? ExecutableState.EXECUTABLE_STATE_UNSPECIFIED];
  if (x.status?.state === ExecutableState.EXECUTABLE_STATE_EXITED) return `${state}, ${describeExit(x)}`;
  if (x.status?.state === ExecutableState.EXECUTABLE_STATE_BACKOFF) return `${state}, restart ${(x.status.restartCount ?? 0) + 1} pending`;
  return x.status?.pid ? `${state}, pid ${x.status.pid}` : state;
}
