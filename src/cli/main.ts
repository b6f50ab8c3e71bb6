#!/usr/bin/env node
// aer: the command line for auraed. Every command is a client of the same API.
import { EXIT } from "./exit-codes.js";
import { reportFailure } from "./failure.js";
import { buildProgram } from "./program.js";

// grpc-js passes an IP literal (--node [::1]:8080) to TLS as the server name, and Node warns that it ignores it:
// a warning about our internals that tells the person at the prompt nothing they can act on.
process.noDeprecation = true;

// Node ignores SIGPIPE, so a reader that goes away (`aer events | head -1`) surfaces as an EPIPE error on the next
// write, which nothing else handles: end quietly with SIGPIPE's shell code instead, as journalctl does. Once one of
// the two streams is gone there is nothing worth saying on the other.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.exit(EXIT.closedPipe);
  });

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportFailure(err);
}
