// A server stream that survives the daemon going away: when an established stream fails with UNAVAILABLE (auraed
// restarted, the connection dropped), it is opened again, with back-off, from the position after the last response
// the caller received, so the caller sees every item once, in order.
import { setTimeout as sleep } from "node:timers/promises";
import { cancelled, UnavailableError } from "./errors.js";

export interface ResumeOptions {
  /** First wait before reconnecting, in ms; it doubles with every failed attempt up to maxDelayMs. Default 100. */
  readonly initialDelayMs?: number;
  /** Default 5000. */
  readonly maxDelayMs?: number;
  /** How long the daemon may stay unreachable before the stream fails with UnavailableError, in ms. Default 60000. */
  readonly giveUpAfterMs?: number;
  /** Called before each attempt to reconnect, with the error that ended the last one. */
  readonly onReconnect?: (attempt: number, error: UnavailableError) => void;
}

/** The request that continues a stream right after `last`, a response the caller received. */
export type ResumeFrom<Req, Res> = (request: Req, last: Res) => Req;

/** Opens the stream for a request; calls `onEstablished` once the call reached the daemon. */
export type OpenStream<Req, Res> = (request: Req, onEstablished: () => void) => AsyncIterable<Res>;

export const RESUME_DEFAULTS: Required<Omit<ResumeOptions, "onReconnect">> = {
  initialDelayMs: 100,
  maxDelayMs: 5000,
  giveUpAfterMs: 60_000,
};

export async function* resumingStream<Req, Res>(
  open: OpenStream<Req, Res>,
  request: Req,
  resumeFrom: ResumeFrom<Req, Res>,
  options: ResumeOptions = {},
  signal?: AbortSignal,
): AsyncGenerator<Res> {
  const { initialDelayMs, maxDelayMs, giveUpAfterMs } = { ...RESUME_DEFAULTS, ...options };
  let next = request;
  let delayMs = initialDelayMs;
  let unreachableSince: number | undefined; // undefined until an established stream failed: a first call that cannot
  let attempt = 0; //                          connect fails at once ("daemon not running"), it is not retried
  for (;;) {
    let established = false;
    try {
      for await (const response of open(next, () => (established = true))) {
        yield response;
        next = resumeFrom(next, response);
      }
      return;
    } catch (err) {
      if (!(err instanceof UnavailableError)) throw err;
      if (established) {
        unreachableSince = Date.now();
        delayMs = initialDelayMs;
        attempt = 0;
      }
      if (unreachableSince === undefined || Date.now() - unreachableSince >= giveUpAfterMs) throw err;
      options.onReconnect?.(++attempt, err);
    }
    await sleep(Math.min(delayMs, giveUpAfterMs - (Date.now() - unreachableSince)), undefined, { signal }).catch(() => {
      throw cancelled(signal!);
    });
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  }
}
