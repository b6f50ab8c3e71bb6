// Exit codes scripts can rely on; `aer --help` prints EXIT_CODES_HELP and the README lists them.
import type { ClientErrorCode } from "../client/errors.js";
import type { ErrorKind } from "../errors.js";

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  denied: 4,
  unavailable: 5,
  precondition: 6,
  invalid: 7,
  unauthenticated: 8,
  executableFailed: 10,
  interrupted: 130,
  closedPipe: 141,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  any other failure (an internal error of the daemon, a cancelled call)
  2  usage: an unknown command or option, a missing argument, a value that does not parse
  3  not found: no such cell or executable
  4  permission denied: the caller's identity may not make this call
  5  unavailable: the daemon is not running or not reachable, or did not answer in time
  6  failed precondition: the thing is in the wrong state, or already exists
  7  invalid argument: the daemon refused a value, or the client config (or a file it names) is missing or wrong
  8  authentication failed: a certificate is expired, untrusted or carries no SPIFFE ID
  10  exec wait: the executable exited with a code other than 0, was killed by a signal, or was lost
  130  interrupted: Ctrl-C ended a -f, --watch or wait (128 + SIGINT, as shells count it)
  141  the output's reader went away (aer events | head -1): aer ends quietly, as SIGPIPE ends other tools
With --nodes, the code of the first node that failed.`;

export const exitCodeFor = (code: ClientErrorCode): number =>
  ({
    invalid: EXIT.invalid,
    "not-found": EXIT.notFound,
    denied: EXIT.denied,
    unauthenticated: EXIT.unauthenticated,
    unavailable: EXIT.unavailable,
    deadline: EXIT.unavailable,
    precondition: EXIT.precondition,
    exists: EXIT.precondition,
    unimplemented: EXIT.failure,
    cancelled: EXIT.failure,
    internal: EXIT.failure,
  })[code];

/** Errors raised on this side of the API (pki files, a config) exit like their remote counterparts. */
export const exitCodeForKind = (kind: ErrorKind): number =>
  ({
    invalid: EXIT.invalid,
    "not-found": EXIT.notFound,
    exists: EXIT.precondition,
    precondition: EXIT.precondition,
    denied: EXIT.denied,
    unauthenticated: EXIT.unauthenticated,
    unsupported: EXIT.failure,
    unavailable: EXIT.unavailable,
    internal: EXIT.failure,
  })[kind];
