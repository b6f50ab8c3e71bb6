import { errnoCode, osError } from "../errors.js";

/** Sends `signal` to `pid`; a process that already ended (ESRCH) is no error: it is what the signal was for. */
export function sendSignal(pid: number, signal: number | NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if (errnoCode(err) !== "ESRCH") throw osError(`send signal ${signal} to`, `pid ${pid}`, err);
  }
}
