// May a caller's rule start a process with these credentials and resource limits? A rule allows root only with
// run_as_root, other uids and gids (primary and supplementary alike) only from its lists, and, unless it may run
// root (whose workload could raise them itself), rlimits only at or below auraed's own hard limits: the shim sets
// them while still root, so a higher one would escape the host's limits.
import { credentialsFrom, describeId, type Credentials, type UserDatabase } from "../../runtime/users.js";
import type { ProcessLimit } from "../../runtime/process-limits.js";
import type { IdSet, Rule } from "./policy.js";

/** The credentials and limits a Start request (or a stored spec, for Restart) asks for. */
export interface ProcessRequest {
  readonly user?: string;
  readonly group?: string;
  readonly supplementaryGroups?: readonly string[];
  readonly rlimits: readonly { readonly resource: string; readonly soft?: bigint | number; readonly hard?: bigint | number }[];
}

export interface HostFacts {
  readonly users: UserDatabase;
  readonly limits: ReadonlyMap<string, ProcessLimit>;
}

/** The fields of a decoded StartRequest the check reads (src/gen is the convert layer's to import). */
interface StartRequestProcess {
  readonly spec?: {
    readonly user: string;
    readonly group: string;
    readonly supplementaryGroups: readonly string[];
    readonly rlimits: readonly { readonly resource: string; readonly soft?: bigint; readonly hard?: bigint }[];
  };
}

export function processOfStartRequest(request: unknown): ProcessRequest {
  const spec = (request as StartRequestProcess).spec;
  return {
    ...(spec?.user && { user: spec.user }),
    ...(spec?.group && { group: spec.group }),
    ...(spec && spec.supplementaryGroups.length > 0 && { supplementaryGroups: spec.supplementaryGroups }),
    rlimits: spec?.rlimits ?? [],
  };
}

/** Whether a rule allows any process its callers could ask for, so nothing about the request need be read. */
export const isUnrestricted = (rule: Rule): boolean => rule.runAsRoot && rule.uids === "any" && rule.gids === "any";

/**
 * Why none of `rules` allows the process, or undefined when one does. Names that do not resolve throw the error
 * the start would (a precondition naming the field).
 */
export function processRefusal(rules: readonly Rule[], req: ProcessRequest, host: HostFacts): string | undefined {
  // No user, group or groups named: the workload keeps the shim's credentials, root's.
  const creds: Credentials = credentialsFrom(req, host.users) ?? { uid: 0, gid: 0, groups: [] };
  const reasons: string[] = [];
  for (const rule of rules) {
    const problems = [...credentialProblems(rule, creds, host.users), ...rlimitProblems(rule, req, host.limits)];
    if (problems.length === 0) return undefined;
    reasons.push(`rule "${rule.name}" ${problems.join("; ")}`);
  }
  return reasons.join("; ");
}

function credentialProblems(rule: Rule, creds: Credentials, users: UserDatabase): string[] {
  const uidBad = !allows(rule, rule.uids, creds.uid);
  const groups = [...new Set([creds.gid, ...creds.groups])].filter((gid) => !allows(rule, rule.gids, gid));
  if (!uidBad && groups.length === 0) return [];
  const asked = [...(uidBad ? [`uid ${describeId(users.users, creds.uid)}`] : []), ...groups.map((gid) => `group ${describeId(users.groups, gid)}`)];
  const rootNote = rule.runAsRoot ? "" : " (root needs run_as_root = true)";
  return [`does not allow running as ${asked.join(" / ")}: it allows uids ${idsText(rule.uids)} and gids ${idsText(rule.gids)}${rootNote}`];
}

function rlimitProblems(rule: Rule, req: ProcessRequest, limits: ReadonlyMap<string, ProcessLimit>): string[] {
  if (rule.runAsRoot) return [];
  return req.rlimits.flatMap((r, i) => {
    const own = limits.get(r.resource);
    // An unknown resource is the handler's to refuse, naming the field.
    if (own === undefined || own.hard === undefined) return [];
    // Unset is unlimited; a soft limit above the hard one is the kernel's to refuse, but never ours to let through.
    const above = (value: bigint | number | undefined): boolean => value === undefined || BigInt(value) > own.hard!;
    const which = above(r.hard) ? `hard ${r.hard ?? "unlimited"}` : above(r.soft) ? `soft ${r.soft ?? "unlimited"}` : undefined;
    if (which === undefined) return [];
    return [`allows spec.rlimits[${i}] (${r.resource}) only at or below auraed's own hard limit ${own.hard}, not ${which}`];
  });
}

const allows = (rule: Rule, ids: IdSet, id: number): boolean =>
  id === 0 ? rule.runAsRoot : ids === "any" || ids.some(([from, to]) => id >= from && id <= to);

const idsText = (ids: IdSet): string =>
  ids === "any" ? "[any]" : `[${ids.map(([from, to]) => (from === to ? String(from) : `${from}-${to}`)).join(", ")}]`;
