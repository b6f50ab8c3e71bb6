// Streams a command prints until they end, or with -f until Ctrl-C, which ends the command successfully.
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
  }
}
