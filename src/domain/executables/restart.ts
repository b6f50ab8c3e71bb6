// The restart policy as a pure decision: whether an exit starts the executable again, and after how long.
import type { ExitStatus, RestartPolicy } from "./executable-spec.js";

export const FIRST_RESTART_DELAY_MS = 100; // systemd's RestartSec default
/** A run at least this long counts as healthy: the next failure starts the back-off from the beginning again. */
export const HEALTHY_RUN_MS = 600_000;

export interface RestartHistory {
  readonly restartCount: number;
  /** Quick exits in a row before this one. */
  readonly backoffStep: number;
  readonly runMs: number;
  /** The exit was asked for (Stop): never restarted. */
  readonly stopped: boolean;
}

export type RestartDecision = { readonly restart: false } | { readonly restart: true; readonly delayMs: number; readonly backoffStep: number };

export function decideRestart(policy: RestartPolicy, exit: ExitStatus, history: RestartHistory): RestartDecision {
  if (history.stopped || policy.mode === "no") return { restart: false };
  if (policy.mode === "on-failure" && exit.code === 0) return { restart: false };
  if (policy.maxRestarts > 0 && history.restartCount >= policy.maxRestarts) return { restart: false };
  const step = history.runMs >= HEALTHY_RUN_MS ? 0 : history.backoffStep;
  const delayMs = Math.min(policy.maxDelayMs, FIRST_RESTART_DELAY_MS * 2 ** Math.min(step, 30));
  return { restart: true, delayMs, backoffStep: step + 1 };
}
