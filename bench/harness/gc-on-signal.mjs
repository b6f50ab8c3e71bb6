// Loaded into a bench daemon (daemon.ts, with the option gcOnSignal), never into auraed otherwise: SIGUSR2
// runs a full garbage collection, so that the footprint benchmark reads the memory the daemon holds, not garbage it
// has not collected yet. It writes one line to stderr (the daemon's log) when the collection is done.
process.on("SIGUSR2", () => {
  globalThis.gc({ type: "major", execution: "sync" });
  process.stderr.write("bench: garbage collected\n");
});
