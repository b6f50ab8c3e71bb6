// Exit codes scripts can rely on; listed in the README.
import type { ClientErrorCode } from "../client/errors.js";

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  denied: 4,
  unavailable: 5,
  precondition: 6,
} as const;

export const exitCodeFor = (code: ClientErrorCode): number =>
  ({
    invalid: EXIT.usage,
    "not-found": EXIT.notFound,
    denied: EXIT.denied,
    unauthenticated: EXIT.denied,
    unavailable: EXIT.unavailable,
    deadline: EXIT.unavailable,
    precondition: EXIT.precondition,
    exists: EXIT.precondition,
    unimplemented: EXIT.failure,
    cancelled: EXIT.failure,
    internal: EXIT.failure,
  })[code];
