// The authorization policy: who may call what, on which cells. It is a TOML file (<config-dir>/policy.toml, format
// in docs/security.md); without one, only `spiffe://<trust domain>/admin` of the daemon's first trust domain may do
// anything. Parsing checks every field and names the first wrong one, so a typo can never widen access.
import { parse as parseToml } from "smol-toml";
import { invalid } from "../../errors.js";
import { canonicalSerial } from "../../pki/serial.js";
import { parseSpiffeId } from "../../pki/spiffe.js";
import { validateCellName } from "../../domain/names.js";
import type { UserDatabase } from "../../runtime/users.js";
import { ROLES, type Role } from "./methods.js";

/** Ids a rule lets its callers' executables run with: any, or these inclusive ranges (never 0: see runAsRoot). */
export type IdSet = "any" | readonly (readonly [number, number])[];

/** What a rule confined to cells allows when it lists no ids: nobody (65534) and nogroup (65534) only. */
export const NOBODY: IdSet = [[65534, 65534]];

/** Cells a rule reaches: every cell, or these: "a" is a and the cells below it, "a/*" only the cells below a. */
export type CellScope = "*" | readonly string[];

export interface Rule {
  readonly name: string;
  /** Exact SPIFFE IDs, or prefixes ending in "/*" matching every ID below that path. */
  readonly identities: readonly string[];
  readonly role: Role | undefined;
  /** Full method names ("aurae.cells.v1.CellService/Get") or a service's every method ("aurae.cells.v1.CellService/*"). */
  readonly methods: readonly string[];
  readonly cells: CellScope;
  /**
   * May the rule's callers start executables as root (uid or gid 0)? A workload run as root owns the node (it can
   * read auraed's keys), so only rules reaching every cell may, unless they say otherwise.
   */
  readonly runAsRoot: boolean;
  /** Users its callers' executables may run as, root aside; default: any for a rule over every cell, else NOBODY. */
  readonly uids: IdSet;
  /** Groups, primary and supplementary alike (either grants the same file access), root aside; default as uids. */
  readonly gids: IdSet;
}

export interface Policy {
  readonly rules: readonly Rule[];
  /** Refused whatever the rules say, at once, also on connections already open. */
  readonly deny: { readonly identities: readonly string[]; readonly serials: readonly string[] };
}

/** The policy in force when there is no policy file. */
export function defaultPolicy(adminId: string): Policy {
  return {
    rules: [{ name: "admin", identities: [adminId], role: "admin", methods: [], cells: "*", runAsRoot: true, uids: "any", gids: "any" }],
    deny: { identities: [], serials: [] },
  };
}

const NO_USERS: UserDatabase = { passwdPath: "/etc/passwd", groupPath: "/etc/group", users: [], groups: [] };

/** Parses a policy file's text; `source` (the path) prefixes every error; `users` resolves names in uids and gids. */
export function parsePolicy(text: string, source: string, users: UserDatabase = NO_USERS): Policy {
  let data: Record<string, unknown>;
  try {
    data = parseToml(text);
  } catch (err) {
    throw invalid(source, `is not valid TOML: ${(err as Error).message.split("\n")[0]}`);
  }
  for (const key of Object.keys(data))
    if (key !== "rule" && key !== "deny") throw invalid(`${source}: ${key}`, `unknown section (expected [[rule]] or [deny])`);
  const rules = arrayOf(data.rule ?? [], `${source}: rule`).map((entry, i) => parseRule(entry, `${source}: rule[${i}]`, users));
  const deny = table(data.deny ?? {}, `${source}: deny`);
  for (const key of Object.keys(deny))
    if (key !== "identities" && key !== "serials") throw invalid(`${source}: deny.${key}`, "unknown key (expected identities or serials)");
  return {
    rules,
    deny: {
      identities: strings(deny.identities ?? [], `${source}: deny.identities`).map((id, i) => identityPattern(id, `${source}: deny.identities[${i}]`)),
      serials: strings(deny.serials ?? [], `${source}: deny.serials`).map((serial, i) => serialNumber(serial, `${source}: deny.serials[${i}]`)),
    },
  };
}

const RULE_KEYS = new Set(["name", "identities", "role", "methods", "cells", "run_as_root", "uids", "gids"]);
const METHOD = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.[A-Z][A-Za-z0-9]*\/([A-Z][A-Za-z0-9]*|\*)$/;

function parseRule(entry: unknown, field: string, users: UserDatabase): Rule {
  const rule = table(entry, field);
  for (const key of Object.keys(rule)) if (!RULE_KEYS.has(key)) throw invalid(`${field}.${key}`, `unknown key (expected ${[...RULE_KEYS].join(", ")})`);
  const identities = strings(rule.identities, `${field}.identities`);
  if (identities.length === 0) throw invalid(`${field}.identities`, "must list at least one SPIFFE ID or pattern");
  const role = rule.role === undefined ? undefined : oneOf(rule.role, ROLES, `${field}.role`);
  const methods = strings(rule.methods ?? [], `${field}.methods`);
  methods.forEach((method, i) => {
    if (!METHOD.test(method)) throw invalid(`${field}.methods[${i}]`, `"${method}" is not "package.Service/Method" or "package.Service/*"`);
  });
  if (role === undefined && methods.length === 0) throw invalid(field, "grants nothing: give it a role or methods");
  const cells = cellScope(rule.cells ?? ["*"], `${field}.cells`);
  if (rule.run_as_root !== undefined && typeof rule.run_as_root !== "boolean") throw invalid(`${field}.run_as_root`, "must be true or false");
  return {
    name: rule.name === undefined ? field : string(rule.name, `${field}.name`),
    identities: identities.map((id, i) => identityPattern(id, `${field}.identities[${i}]`)),
    role,
    methods,
    cells,
    runAsRoot: (rule.run_as_root as boolean | undefined) ?? cells === "*",
    uids: rule.uids === undefined ? defaultIds(cells) : idSet(rule.uids, `${field}.uids`, users.users, users.passwdPath),
    gids: rule.gids === undefined ? defaultIds(cells) : idSet(rule.gids, `${field}.gids`, users.groups, users.groupPath),
  };
}

const defaultIds = (cells: CellScope): IdSet => (cells === "*" ? "any" : NOBODY);

const ID_MAX = 0xfffffffe; // (uid_t)-1 means "no change" to setuid and chown, never an id
const RANGE = /^(\d+)-(\d+)$/;

/** ["*"], or ids, names (resolved now, in the host's passwd or group file) and "from-to" ranges. */
function idSet(value: unknown, field: string, entries: UserDatabase["users"], path: string): IdSet {
  if (!Array.isArray(value)) throw invalid(field, `must be an array of ids, names and "from-to" ranges, or ["*"]`);
  if (value.length === 1 && value[0] === "*") return "any";
  return value.map((item: unknown, i): readonly [number, number] => {
    const at = `${field}[${i}]`;
    const range = idRange(item, at, entries, path);
    // Root is granted by run_as_root alone, so a range such as "0-1000" can never let it in by accident.
    if (range[0] === 0) throw invalid(at, `includes 0 (root): root is allowed by run_as_root = true, not by a list`);
    return range;
  });
}

function idRange(item: unknown, field: string, entries: UserDatabase["users"], path: string): readonly [number, number] {
  if (typeof item === "number" || typeof item === "bigint") return [idNumber(Number(item), field), idNumber(Number(item), field)];
  if (typeof item !== "string") throw invalid(field, `must be an id, a name or a "from-to" range, got ${JSON.stringify(item)}`);
  if (/^\d+$/.test(item)) return [idNumber(Number(item), field), idNumber(Number(item), field)];
  const range = RANGE.exec(item);
  if (range) {
    const [from, to] = [idNumber(Number(range[1]), field), idNumber(Number(range[2]), field)];
    if (from > to) throw invalid(field, `"${item}" is an empty range`);
    return [from, to];
  }
  const entry = entries.find((e) => e.name === item);
  if (!entry) throw invalid(field, `no "${item}" in ${path}`);
  return [entry.id, entry.id];
}

function idNumber(id: number, field: string): number {
  if (!Number.isSafeInteger(id) || id < 0 || id > ID_MAX) throw invalid(field, `${id} is not an id (0 to ${ID_MAX})`);
  return id;
}

function cellScope(value: unknown, field: string): CellScope {
  const cells = strings(value, field);
  if (cells.includes("*")) return "*";
  if (cells.length === 0) throw invalid(field, `must list cells, or "*" for every cell`);
  // "team-a/" and "team-a" both mean the cell team-a and every cell below it; "team-a/*" only the cells below it.
  return cells.map((cell, i) => {
    if (cell.endsWith("/*")) return `${validateCellName(cell.slice(0, -2), `${field}[${i}]`)}/*`;
    return validateCellName(cell.endsWith("/") ? cell.slice(0, -1) : cell, `${field}[${i}]`);
  });
}

function identityPattern(pattern: string, field: string): string {
  parseSpiffeId(pattern.endsWith("/*") ? pattern.slice(0, -2) : pattern, field);
  return pattern;
}

function serialNumber(serial: string, field: string): string {
  const canonical = canonicalSerial(serial);
  if (canonical === undefined) throw invalid(field, `"${serial}" is not a certificate serial number in hex`);
  return canonical;
}

function table(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(field, "must be a table");
  return value as Record<string, unknown>;
}

function arrayOf(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(field, "must be an array of tables ([[rule]])");
  return value;
}

function strings(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw invalid(field, "must be an array of strings");
  return value as string[];
}

function string(value: unknown, field: string): string {
  if (typeof value !== "string") throw invalid(field, "must be a string");
  return value;
}

function oneOf<T extends string>(value: unknown, options: readonly T[], field: string): T {
  if (!options.includes(value as T)) throw invalid(field, `must be one of ${options.join(", ")}, got ${JSON.stringify(value)}`);
  return value as T;
}
