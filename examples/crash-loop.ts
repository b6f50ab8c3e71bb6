// A service that crashes on every start, under a restart policy: auraed restarts it after a back-off that doubles
// from 100 ms (capped here at 1 s) until it reached its maximum number of restarts. The script watches the events
// of its cell as they happen, then prints the executable's final state and its log, one line per run.
//   npx aurae run examples/crash-loop.ts
import { randomBytes } from "node:crypto";
import { connect, ExecutableState, RestartMode } from "aurae";

const MAX_RESTARTS = 4;
const client = await connect();
const cell = `crash-${randomBytes(3).toString("hex")}`; // a name no earlier event carries
try {
  await client.cells.allocate({ spec: { name: cell } });
  await client.executables.start({
    spec: {
      cellName: cell,
      name: "flaky",
      argv: ["sh", "-c", 'echo "starting, then failing"; sleep 0.2; exit 3'],
      restart: { mode: RestartMode.RESTART_MODE_ON_FAILURE, maxRestarts: MAX_RESTARTS, maxDelayMs: 1000 },
    },
  });
  console.log(
    `started ${cell}/flaky: restart on failure, at most ${MAX_RESTARTS} times, back-off from 100 ms doubling up to 1 s`,
  );

  // The executable events of the cell, from the first on; the first run and each restart end in an exit.
  let exits = 0;
  let exitedAt = 0;
  const watch = client.events.watch({ cellName: cell, kinds: ["executable."], follow: true }, { deadline: 30_000 });
  for await (const { events } of watch) {
    for (const event of events) {
      const at = event.time!.getTime();
      if (event.kind === "executable.exited") {
        exits++;
        exitedAt = at;
        console.log(`exited with code ${event.attributes.code}`);
      } else if (event.kind === "executable.restarted") {
        const backoffMs = Math.round((at - exitedAt) / 10) * 10;
        console.log(`restart ${event.attributes.restart_count} after a back-off of ${backoffMs} ms`);
      }
    }
    if (exits === MAX_RESTARTS + 1) break;
  }

  // Wait answers once the policy will not start it again.
  const { executable } = await client.executables.wait({ cellName: cell, name: "flaky" }, { deadline: 10_000 });
  const status = executable!.status!;
  console.log(`final state ${ExecutableState[status.state]}, exit code ${status.exit?.code}, ${status.restartCount} restarts`);
  for await (const { entries } of client.observe.getLogs({ cellName: cell, executableName: "flaky" }))
    for (const entry of entries) console.log(`log: ${entry.line.toString()}`);
} finally {
  await client.cells.free({ name: cell, stop: true }).catch(() => undefined);
  client.close();
}
