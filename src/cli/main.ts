#!/usr/bin/env node
// aer: the command line for auraed. Every command is a client of the same API.
import { reportFailure } from "./failure.js";
import { buildProgram } from "./program.js";

// grpc-js passes an IP literal (--node [::1]:8080) to TLS as the server name, and Node warns that it ignores it:
// a warning about our internals that tells the person at the prompt nothing they can act on.
process.noDeprecation = true;

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportFailure(err);
}
