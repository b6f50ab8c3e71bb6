// Allocates a cell, runs `echo` in it, prints what it wrote, and cleans up.
//   npx aurae run examples/hello.ts
import { connect, mib } from "aurae";

const client = await connect();
const cell = `hello-${process.pid}`;
try {
  await client.cells.allocate({ spec: { name: cell, memory: { maxBytes: mib(64) } } });
  await client.executables.start({ spec: { cellName: cell, name: "echo", argv: ["echo", "Hello from Aurae!"] } });
  for await (const { entries } of client.observe.getLogs({ cellName: cell, executableName: "echo", follow: true }))
    for (const entry of entries) console.log(entry.line.toString());
  const { executable } = await client.executables.get({ cellName: cell, name: "echo" });
  console.log(`echo exited with code ${executable?.status?.exit?.code}`);
} finally {
  await client.cells.free({ name: cell }).catch(() => undefined);
  client.close();
}
