#!/usr/bin/env node
// aer: the command line for auraed. Every command is a client of the same API.
import { Command, CommanderError, Option } from "commander";
import { AuraeClientError } from "../client/errors.js";
import { AuraeError, type ErrorKind } from "../errors.js";
import { registerCells } from "./commands/cells.js";
import { registerEvents } from "./commands/events.js";
import { registerExecutables } from "./commands/executables.js";
import { registerHealth } from "./commands/health.js";
import { registerDaemonLog, registerLogs } from "./commands/logs.js";
import { registerPki } from "./commands/pki.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";

const program = new Command("aer")
  .description("command line for auraed, the Aurae node daemon")
  .option("--config <path>", "client config (default ~/.aurae/config, then /etc/aurae/config)")
  .option("--socket <path>", "auraed's Unix socket (overrides the config)")
  .option("--node <address>", "reach auraed over TCP instead, e.g. [::1]:8080")
  .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"))
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(`aer: ${text.replace(/^error: /, "")}`) });

registerHealth(program);
registerPki(program);
registerCells(program);
registerExecutables(program);
registerLogs(program);
registerDaemonLog(program);
registerEvents(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = report(err);
}

/** Errors raised on this side of the API (pki files, arguments) exit like their remote counterparts. */
const LOCAL_EXIT: Partial<Record<ErrorKind, number>> = {
  invalid: EXIT.usage,
  "not-found": EXIT.notFound,
  exists: EXIT.precondition,
  precondition: EXIT.precondition,
  denied: EXIT.denied,
};

function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof AuraeClientError) {
    process.stderr.write(`aer: ${err.message}\n`);
    return exitCodeFor(err.code);
  }
  if (err instanceof AuraeError) {
    process.stderr.write(`aer: ${err.message}\n`);
    return LOCAL_EXIT[err.kind] ?? EXIT.failure;
  }
  process.stderr.write(`aer: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.failure;
}
