// Counts libuv thread-pool requests: each fs call through node:fs/promises or a callback is one round trip from the
// event loop to a pool thread and back, the cost a driver avoids by calling cgroupfs synchronously.
import { createHook } from "node:async_hooks";

const POOL_REQUESTS = new Set(["FSREQPROMISE", "FSREQCALLBACK"]);

/** The thread-pool requests `fn` made, by async resource type, in order. */
export async function threadPoolRequests(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const hook = createHook({
    init(_id, type) {
      if (POOL_REQUESTS.has(type)) seen.push(type);
    },
  });
  hook.enable();
  try {
    await fn();
  } finally {
    hook.disable();
  }
  return seen;
}
