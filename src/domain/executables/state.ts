// An executable's lifecycle as a table (style.md §8). Every state write in executables.ts names the state it leaves
// and goes to the store as `UPDATE ... WHERE state IN (from)`: a write that lost a race (a Stop during a start, an
// exit during a stop) changes nothing, and the caller sees that it did not apply.
import { precondition } from "../../errors.js";
import type { ExecutableStateRow } from "../../store/executables-store.js";

export type ExecState = ExecutableStateRow;

const NEXT: Readonly<Record<ExecState, readonly ExecState[]>> = {
  // stopping: a Stop came before the shim reported; the start then records the pid and the stop signals it.
  // exited: a restart whose spawn failed goes back to exited (a first start that fails is deleted instead).
  starting: ["running", "stopping", "exited"],
  running: ["stopping", "exited", "backoff"],
  // exited: the stop's end, or a start that failed after a Stop came.
  stopping: ["exited"],
  exited: ["starting"],
  backoff: ["starting", "exited"],
};

/** The states `to` may be written from. */
export function statesBefore(to: ExecState): ExecState[] {
  return (Object.keys(NEXT) as ExecState[]).filter((from) => NEXT[from].includes(to));
}

export function canBecome(from: ExecState, to: ExecState): boolean {
  return NEXT[from].includes(to);
}

/** Refuses, naming the current state, a change the table does not allow. */
export function requireTransition(x: { cell: string; name: string; state: ExecState }, to: ExecState): void {
  if (!canBecome(x.state, to)) throw precondition(`executable "${x.name}" in cell "${x.cell}" is ${x.state}; it cannot become ${to}`);
}
