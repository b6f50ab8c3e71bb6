// Streams a command prints until they end, or with -f (and --watch) until Ctrl-C. An interrupted command exits 130
// (128 + SIGINT), as shells report one, so `aer logs -f x && next` does not go on as if the stream had ended.
import { EXIT } from "./exit-codes.js";

export async function untilInterrupted(read: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const abort = new AbortController();
  const onInterrupt = () => abort.abort();
  process.once("SIGINT", onInterrupt);
  try {
    await read(abort.signal);
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    process.off("SIGINT", onInterrupt);
    // With --nodes, a node that failed before keeps its code (the first failure's).
    if (abort.signal.aborted) process.exitCode ||= EXIT.interrupted;
  }
}
