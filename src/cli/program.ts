// The aer command tree: global options and one group of commands per file under commands/. Completion scripts are
// generated from this tree, so they grow with it.
import { Command } from "commander";
import { registerAudit } from "./commands/audit.js";
import { registerCells } from "./commands/cells.js";
import { registerCompletion } from "./commands/completion.js";
import { registerEvents } from "./commands/events.js";
import { registerExecutables } from "./commands/executables.js";
import { registerHealth } from "./commands/health.js";
import { registerImages } from "./commands/images.js";
import { registerDaemonLog, registerLogs } from "./commands/logs.js";
import { registerPki } from "./commands/pki.js";
import { registerStatus } from "./commands/status.js";
import { registerTop } from "./commands/top.js";
import { registerVersion } from "./commands/version.js";
import { addGlobalOptions } from "./context.js";
import { EXIT_CODES_HELP } from "./exit-codes.js";
import { CLIENT_VERSION } from "./version.js";

const OUTPUT_HELP = `Output: -o table (default) is for people; -o json is stable for scripts: the protobuf JSON mapping of each
resource (camelCase fields, 64-bit integers as strings, enums by name, times in RFC 3339, every field present at
its default, unset ones absent), an array for lists and an object for one resource; streams (logs, events) print
one JSON object a line. Fields may be added, never renamed. -o yaml prints the same values. -q prints names only
(cell, or cell/executable), and for events and audit entries their sequences (to resume with --after).
With --nodes every row is labelled: a NODE column, a "node" field, and JSON is always an array.
Times (--since, --until) take an age (10m, -1h, 2d) or a time (2026-11-24T22:00:00Z).`;

export function buildProgram(): Command {
  const program = addGlobalOptions(new Command("aer"))
    .description("command line for auraed, the Aurae node daemon")
    .version(CLIENT_VERSION, "-V, --version", "print aer's version (aer version also asks the daemon)")
    .addHelpText("after", `\n${OUTPUT_HELP}\n\n${EXIT_CODES_HELP}\n`)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`aer: ${text.replace(/^error: /, "")}`) });
  registerStatus(program);
  registerTop(program);
  registerCells(program);
  registerExecutables(program);
  registerLogs(program);
  registerDaemonLog(program);
  registerEvents(program);
  registerAudit(program);
  registerHealth(program);
  registerVersion(program);
  registerPki(program);
  registerImages(program);
  registerCompletion(program);
  return program;
}
