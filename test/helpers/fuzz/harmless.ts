// What a random request may make the node do is bounded here: a process it starts runs a harmless program from an
// allowlist (or one that does not exist), a shell line is one of a few harmless ones, no waits last long enough to
// wedge the run, restarts end, a rotated server certificate still names localhost, a pulled image comes from a
// registry on loopback, and a cell it makes up is named under the run's prefix. Everything else about the
// request stays random: a value that was invalid stays invalid, so validation is still what is tested.
import protobuf from "protobufjs";
import { validateCellName } from "../../../src/domain/names.js";
import type { Plausible } from "./plausible.js";
import { isValid, poolKey } from "./plausible.js";
import type { Random } from "./random.js";
import type { FuzzMessage, FuzzValue } from "./wire.js";

const PROGRAMS = ["/bin/true", "/bin/echo", "/bin/sleep", "/nonexistent/aurae-fuzz", "aurae-fuzz-no-such-program"];
// Refused by validation (none, relative paths, a NUL); were they not, each would still run nothing or /bin/true.
const REFUSED_PROGRAMS = ["", "../x", "a/../b", "bin/true", "/bin/true\0x"];
/** A registry on loopback where nothing listens: a valid random reference is refused there, never looked up outside. */
const LOOPBACK_REGISTRY = "127.0.0.1:1";
const SHELL_LINES = ["true", "echo fuzz", "exit 3", "echo out; echo err >&2"];
/** The API's longest grace period; a valid one is cut to a few hundred ms so a stop never holds a cell for long. */
const MAX_GRACE_MS = 3_600_000n;
const GRACE_CAP_MS = 300n;
/** Restarts end, so a restart policy cannot keep spawning for the rest of the run. */
const RESTART_CAP = 3n;

export function makeHarmless(type: protobuf.Type, message: FuzzMessage, rng: Random, plausible: Plausible): FuzzMessage {
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (value === undefined) continue;
    if (field.resolvedType instanceof protobuf.Type && !field.map)
      for (const item of field.repeated ? (value as FuzzMessage[]) : [value as FuzzMessage])
        makeHarmless(field.resolvedType, item, rng, plausible);
    else if (field.name === "argv" && field.repeated) message.argv = harmlessArgv(value as string[], message.shell === true, rng);
    else if (field.name === "env" && field.map) message.env = (value as [FuzzValue, FuzzValue][]).filter(([k]) => !/^LD_/i.test(String(k)));
    else if (field.name === "grace_period_ms" && (value as bigint) <= MAX_GRACE_MS) message[field.name] = min(value as bigint, GRACE_CAP_MS);
    else if (field.name === "dns_names" && (value as string[]).length > 0 && !(value as string[]).includes("localhost"))
      message.dns_names = [...(value as string[]), "localhost"]; // a rotated server certificate still names what the test's clients dial
    else if (type.name === "PullRequest" && field.name === "reference" && typeof value === "string" && value !== "")
      message.reference = `${LOOPBACK_REGISTRY}/${value}`; // a pull never leaves the machine: that port refuses
    else if (field.name === "max_restarts") message[field.name] = (value as bigint) === 0n ? RESTART_CAP : min(value as bigint, RESTART_CAP);
    else if (poolKey(type, field.name) === "cell_name" && typeof value === "string" && isNewTopLevelCell(value, plausible))
      message[field.name] = `${plausible.prefix}-${value}`;
  }
  return message;
}

function harmlessArgv(argv: string[], shell: boolean, rng: Random): string[] {
  if (argv.length === 0) return argv; // refused: no program
  if (shell) return argv.length === 1 ? [rng.pick(SHELL_LINES)] : argv; // more than one string is refused
  const program = rng.pick(rng.chance(0.15) ? REFUSED_PROGRAMS : PROGRAMS);
  // sleep only ever sleeps a moment; the other programs ignore or print their arguments.
  return program === "/bin/sleep" ? [program, "0.1"] : [program, ...argv.slice(1)];
}

/** A valid top-level cell name the run did not make up: allocating it would create a cell outside the prefix. */
const isNewTopLevelCell = (name: string, plausible: Plausible): boolean =>
  !name.includes("/") && !name.startsWith(plausible.prefix) && isValid(validateCellName, name);

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
