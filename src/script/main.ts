#!/usr/bin/env node
// `aurae run script.ts [args...]` runs a TypeScript script with the client library; `aurae check script.ts...`
// type-checks scripts against it. Exit codes: the script's own for run (1 after an uncaught error, with its stack);
// 0 or 1 for check; 2 for a usage error.
import { checkScripts } from "./check-script.js";
import { runScript } from "./run-script.js";

const USAGE = `usage: aurae run <script.ts> [args...]   run a script (top-level await, relative imports, "aurae" is the client)
       aurae check <script.ts>...        type-check scripts against the client's types`;

const isHelp = (arg: string | undefined): boolean => arg === "--help" || arg === "-h";

const [command, ...rest] = process.argv.slice(2);
// `aurae run --help` asks for help, not for a script named --help; after the script, --help is the script's.
if (isHelp(command) || ((command === "run" || command === "check") && isHelp(rest[0]))) {
  process.stdout.write(`${USAGE}\n`);
} else if (command === "run" && rest[0] !== undefined) {
  await runScript(rest[0], rest.slice(1)).catch(reportRunFailure);
} else if (command === "check" && rest.length > 0) {
  const problems = await checkScripts(rest);
  for (const { location, message } of problems) process.stderr.write(`${location ? `${location}: ` : ""}${message}\n`);
  process.exitCode = problems.length > 0 ? 1 : 0;
} else {
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = 2;
}

/** A script that does not build is reported by file:line; one that throws, by its source-mapped stack. */
function reportRunFailure(err: unknown): void {
  const errors = (err as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
  const where = (e: { location?: { file: string; line: number } | null }) =>
    e.location ? `${e.location.file}:${e.location.line}: ` : "";
  if (errors) for (const e of errors) process.stderr.write(`aurae: ${where(e)}${e.text}\n`);
  else process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
}
