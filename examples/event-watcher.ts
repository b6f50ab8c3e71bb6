// Watches the node's event log as it is written. By default it makes a few events of its own (a cell, a command
// in it, the cell freed) and stops once its cell is gone; with --follow it prints every event of the node until
// Ctrl-C. Were auraed restarted meanwhile, the watch would resume after the last event received: none is lost or
// printed twice.
//   npx aurae run examples/event-watcher.ts [--follow]
import { randomBytes } from "node:crypto";
import { connect, type eventsV1 } from "aurae";

const client = await connect();
const followAll = process.argv.includes("--follow");
const cell = `watched-${randomBytes(3).toString("hex")}`; // a name no earlier event carries
const stop = new AbortController();
process.once("SIGINT", () => stop.abort());

const describe = (e: eventsV1.Event): string =>
  [e.time!.toISOString(), e.kind.padEnd(20), [e.cellName, e.executableName].filter(Boolean).join("/"),
   Object.entries(e.attributes).map(([k, v]) => `${k}=${v}`).join(" ")].join("  ").trimEnd();

// Every event of our new cell (it has no history), or with --follow every event from now on.
const request = followAll ? { fromNow: true, follow: true } : { cellName: cell, follow: true };
const watch = client.events.watch(request, { signal: stop.signal });
const printed = (async () => {
  for await (const { events } of watch)
    for (const event of events) {
      console.log(describe(event));
      if (!followAll && event.kind === "cell.freed" && event.cellName === cell) return;
    }
})().catch((err: unknown) => {
  if (!stop.signal.aborted) throw err;
});

try {
  if (!followAll) {
    await client.cells.allocate({ spec: { name: cell } });
    await client.executables.start({ spec: { cellName: cell, name: "greet", argv: ["echo", "hello"] } });
    await client.executables.wait({ cellName: cell, name: "greet" });
    await client.cells.free({ name: cell });
  }
  await printed;
} finally {
  await client.cells.free({ name: cell, stop: true }).catch(() => undefined);
  client.close();
}
