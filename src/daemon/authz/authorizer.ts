// Decides each call: is the caller denied outright, does a rule grant it this method, and is the cell it acts on
// within the cells its rules (and the door it came through) reach. Every refusal says which grant was missing.
import { validateCellName } from "../../domain/names.js";
import type { SpiffeId } from "../../pki/spiffe.js";
import { readProcessLimits } from "../../runtime/process-limits.js";
import { readUserDatabaseSync } from "../../runtime/users.js";
import { fieldAt, ROLE_ACCESS, type MethodAccess } from "./methods.js";
import type { CellScope, Policy, Rule } from "./policy.js";
import { isUnrestricted, processOfStartRequest, processRefusal, type HostFacts, type ProcessRequest } from "./process-grant.js";

export interface Caller {
  readonly id: SpiffeId;
  /** The certificate's serial, canonical hex. */
  readonly serial: string;
  /** What the listener the caller came through allows: a cell's own socket reaches only that cell. */
  readonly doorScope: CellScope;
}

export type Decision =
  | {
      readonly allowed: true;
      /** The cell the call acts on or lists, when it names one. */
      readonly cell: string | undefined;
      /** A cell filter to fill into the request: the caller may only see this cell tree. */
      readonly fillFilter: string | undefined;
    }
  | { readonly allowed: false; readonly reason: string; readonly cell: string | undefined };

export interface Denial {
  readonly code: "revoked" | "denied";
  readonly reason: string;
}

export interface AuthorizerDeps {
  /** Whether a serial was revoked through the API (the node database). */
  readonly revoked?: (serial: string) => boolean;
  /** The only rules of an identity that has any (a cell's own identity), whatever the policy file says. */
  readonly implicitRules?: (id: SpiffeId) => readonly Rule[];
  /** What the stored spec of an executable asks for (Restart runs it again), or undefined when there is none. */
  readonly storedProcess?: (cell: string, name: string) => ProcessRequest | undefined;
  /** The host's users and groups and auraed's own rlimits, read when a confined caller starts a process. */
  readonly host?: () => HostFacts;
}

const readHost = (): HostFacts => ({ users: readUserDatabaseSync(), limits: readProcessLimits() });

export class Authorizer {
  #policy: Policy;
  private readonly revoked: (serial: string) => boolean;
  private readonly implicitRules: (id: SpiffeId) => readonly Rule[];

  constructor(
    policy: Policy,
    private readonly deps: AuthorizerDeps = {},
  ) {
    this.#policy = policy;
    this.revoked = deps.revoked ?? (() => false);
    this.implicitRules = deps.implicitRules ?? (() => []);
  }

  /** Takes effect for the next call, on every connection. */
  replace(policy: Policy): void {
    this.#policy = policy;
  }

  /** Why the caller is refused whatever it calls (a revoked certificate, a denied identity), or undefined. */
  denial(caller: Caller): Denial | undefined {
    const { deny } = this.#policy;
    if (deny.serials.includes(caller.serial) || this.revoked(caller.serial))
      return { code: "revoked", reason: `certificate serial ${caller.serial} of ${caller.id.id} is revoked` };
    const pattern = deny.identities.find((p) => matchesIdentity(p, caller.id.id));
    if (pattern !== undefined) return { code: "denied", reason: `${caller.id.id} is on the deny list (${pattern})` };
    return undefined;
  }

  /** Whether the method can be decided before its request arrives (it names no cell). */
  static needsRequest(access: MethodAccess): boolean {
    return access.cell !== undefined || access.filter !== undefined;
  }

  /** The cell a request acts on or lists, as it names it; undefined when it names none. */
  static cellOf(access: MethodAccess, request: unknown): string | undefined {
    return access.cell ? fieldAt(request, access.cell) : access.filter ? fieldAt(request, access.filter) || undefined : undefined;
  }

  decide(caller: Caller, method: string, access: MethodAccess, request: unknown): Decision {
    const decision = this.#decideAccess(caller, method, access, request);
    if (!decision.allowed || access.startsProcess === undefined) return decision;
    const refusal = this.#processRefusal(caller, this.#granting(caller, method, access), decision.cell ?? "", access.startsProcess, request);
    return refusal === undefined ? decision : { allowed: false, reason: refusal, cell: decision.cell };
  }

  #decideAccess(caller: Caller, method: string, access: MethodAccess, request: unknown): Decision {
    const cell = Authorizer.cellOf(access, request);
    const deny = (reason: string): Decision => ({ allowed: false, reason, cell });
    if (access.access === "public") return { allowed: true, cell, fillFilter: undefined };
    const name = method.slice(1);
    const granting = this.#granting(caller, method, access);
    if (granting.length === 0) return deny(`no rule grants ${name} to ${caller.id.id}`);
    const scope = intersect(union(granting.map((rule) => rule.cells)), caller.doorScope);
    if (scope !== "*" && scope.length === 0)
      return deny(`${caller.id.id} reaches no cell through this socket`);
    const field = access.cell ?? access.filter;
    if (field === undefined) {
      if (scope !== "*") return deny(`${name} acts on the whole node; ${caller.id.id} may act only on cells ${scope.join(", ")}`);
      return { allowed: true, cell, fillFilter: undefined };
    }
    if (scope === "*") return { allowed: true, cell, fillFilter: undefined };
    if (cell === undefined) {
      // A list or watch over every cell, by a caller confined to cells: one tree is filled in, more must be chosen.
      if (scope.length === 1 && !scope[0]!.endsWith("/*")) return { allowed: true, cell: scope[0], fillFilter: scope[0] };
      return deny(`${caller.id.id} may list only cells ${scope.join(", ")}: set ${snake(field)} to one of them`);
    }
    // A confined caller's cell name is checked here, before the scope test, so "a/../b" can never pass as "a/...".
    validateCellName(cell, snake(field));
    if (!scope.some((root) => within(cell, root)))
      return deny(`${caller.id.id} may not act on cell "${cell}": its rules reach only cells ${scope.join(", ")}`);
    return { allowed: true, cell, fillFilter: undefined };
  }

  /** Why the process the call starts in `cell` is beyond every rule granting the call there, or undefined. */
  #processRefusal(caller: Caller, granting: readonly Rule[], cell: string, source: "spec" | "stored", request: unknown): string | undefined {
    const rules = granting.filter((rule) => rule.cells === "*" || rule.cells.some((root) => within(cell, root)));
    if (rules.some(isUnrestricted)) return undefined;
    const name = source === "stored" ? fieldAt(request, "name") ?? "" : "";
    const process = source === "spec" ? processOfStartRequest(request) : this.deps.storedProcess?.(cell, name);
    // No such executable: the handler answers NOT_FOUND.
    if (process === undefined) return undefined;
    const reason = processRefusal(rules, process, (this.deps.host ?? readHost)());
    if (reason === undefined) return undefined;
    const what = source === "spec" ? `start this executable in cell "${cell}"` : `restart executable "${name}" in cell "${cell}", whose spec it could not start`;
    return `${caller.id.id} may not ${what}: ${reason}`;
  }

  /** The rules granting the caller the method it calls. */
  #granting(caller: Caller, method: string, access: MethodAccess): Rule[] {
    const implicit = this.implicitRules(caller.id);
    return (implicit.length > 0 ? implicit : this.#policy.rules).filter(
      (rule) => rule.identities.some((p) => matchesIdentity(p, caller.id.id)) && grants(rule, method.slice(1), access),
    );
  }
}

/** An identity pattern is an exact SPIFFE ID, or a prefix ending in "/*" matching every ID below that path. */
export function matchesIdentity(pattern: string, id: string): boolean {
  if (!pattern.endsWith("/*")) return pattern === id;
  const prefix = pattern.slice(0, -1);
  return id.length > prefix.length && id.startsWith(prefix);
}

function grants(rule: Rule, method: string, access: MethodAccess): boolean {
  if (rule.role !== undefined && ROLE_ACCESS[rule.role].has(access.access)) return true;
  return rule.methods.some((m) => m === method || (m.endsWith("/*") && method.startsWith(m.slice(0, -1))));
}

/** Whether `cell` is in the tree of `root`: "a" holds a and the cells below it, "a/*" only the cells below a. */
const within = (cell: string, root: string): boolean =>
  root.endsWith("/*") ? cell.startsWith(root.slice(0, -1)) : cell === root || cell.startsWith(`${root}/`);

/** Every tree the scopes reach, none inside another. */
function union(scopes: readonly CellScope[]): CellScope {
  if (scopes.includes("*")) return "*";
  const all = [...new Set(scopes.flat())];
  return all.filter((tree) => !all.some((other) => other !== tree && within(tree, other)));
}

function intersect(scope: CellScope, door: CellScope): CellScope {
  if (door === "*") return scope;
  if (scope === "*") return door;
  // Keep the narrower of each overlapping pair: a rule for "a" through the door of "a/b" reaches "a/b".
  return [...new Set(scope.flatMap((s) => door.flatMap((d) => (within(d, s) ? [d] : within(s, d) ? [s] : []))))];
}

const snake = (path: string): string => path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
