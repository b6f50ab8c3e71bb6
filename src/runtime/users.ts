// Turns user and group names into ids the way login does: /etc/passwd for a user's uid and primary group,
// /etc/group for names and for the supplementary groups a user is a member of. Numeric ids need no entry.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, precondition } from "../errors.js";

export interface CredentialsRequest {
  readonly user?: string;
  readonly group?: string;
  readonly supplementaryGroups?: readonly string[];
}

export interface Credentials {
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
}

export interface UserEntry {
  readonly name: string;
  readonly id: number;
  readonly gid: number;
  readonly members: readonly string[];
}

/** The host's users and groups, read at one moment, and where they were read from (for messages). */
export interface UserDatabase {
  readonly passwdPath: string;
  readonly groupPath: string;
  readonly users: readonly UserEntry[];
  readonly groups: readonly UserEntry[];
}

const NUMERIC = /^\d+$/;

/**
 * Ids for the request, or undefined when it names nobody (the workload keeps the shim's root credentials). Read at
 * once: it is on the path of every start as a user, and two small files from the page cache cost less than the
 * thread pool's round trip.
 */
export function resolveCredentials(req: CredentialsRequest, etcDir = "/etc"): Credentials | undefined {
  if (namesNobody(req)) return undefined;
  return credentialsFrom(req, readUserDatabaseSync(etcDir));
}

/** resolveCredentials on a database already read (an unknown name is still a precondition naming its field). */
export function credentialsFrom(req: CredentialsRequest, db: UserDatabase): Credentials | undefined {
  if (namesNobody(req)) return undefined;
  const user = lookup(db.users, req.user ?? "0", "spec.user", "user", db.passwdPath);
  const uid = user?.id ?? Number(req.user ?? 0);
  const gid =
    req.group !== undefined
      ? (lookup(db.groups, req.group, "spec.group", "group", db.groupPath)?.id ?? Number(req.group))
      : (user?.gid ?? 0);
  const supplementary =
    req.supplementaryGroups !== undefined
      ? req.supplementaryGroups.map((g, i) => lookup(db.groups, g, `spec.supplementary_groups[${i}]`, "group", db.groupPath)?.id ?? Number(g))
      : db.groups.filter((g) => user !== undefined && g.members.includes(user.name)).map((g) => g.id);
  return { uid, gid, groups: [...new Set(supplementary)] };
}

export async function readUserDatabase(etcDir = "/etc"): Promise<UserDatabase> {
  const [passwdPath, groupPath] = [join(etcDir, "passwd"), join(etcDir, "group")];
  const [passwd, group] = await Promise.all([passwdPath, groupPath].map((path) => readFile(path, "utf8").catch((err: unknown) => missingAsEmpty(path, err))));
  return userDatabase(passwdPath, passwd!, groupPath, group!);
}

/** readUserDatabase for a caller that cannot wait (the authorizer decides a call synchronously, a start should not); the files are small. */
export function readUserDatabaseSync(etcDir = "/etc"): UserDatabase {
  const read = (path: string): string => {
    try {
      return readFileSync(path, "utf8");
    } catch (err) {
      return missingAsEmpty(path, err);
    }
  };
  const [passwdPath, groupPath] = [join(etcDir, "passwd"), join(etcDir, "group")];
  return userDatabase(passwdPath, read(passwdPath), groupPath, read(groupPath));
}

/** The name of a uid or gid in the database, for messages: "6 (disk)", or "6" without an entry. */
export const describeId = (entries: readonly UserEntry[], id: number): string => {
  const entry = entries.find((e) => e.id === id);
  return entry ? `${id} (${entry.name})` : String(id);
};

const namesNobody = (req: CredentialsRequest): boolean =>
  req.user === undefined && req.group === undefined && req.supplementaryGroups === undefined;

/** The entry for a name or id; a numeric id without an entry is fine (undefined), an unknown name is not. */
function lookup(entries: readonly UserEntry[], nameOrId: string, field: string, what: string, path: string): UserEntry | undefined {
  if (NUMERIC.test(nameOrId)) return entries.find((e) => e.id === Number(nameOrId));
  const entry = entries.find((e) => e.name === nameOrId);
  if (!entry) throw precondition(`${field}: no ${what} "${nameOrId}" in ${path}`);
  return entry;
}

function missingAsEmpty(path: string, err: unknown): string {
  if (errnoCode(err) === "ENOENT") return "";
  throw precondition(`read ${path}: ${errnoCode(err)}`, { cause: err });
}

function userDatabase(passwdPath: string, passwd: string, groupPath: string, group: string): UserDatabase {
  return { passwdPath, groupPath, users: parseDatabase(passwd, 2, 3), groups: parseDatabase(group, 2, -1) };
}

/** Parses passwd (id in column 2, gid in 3) or group (id in 2, members in 3) files. */
function parseDatabase(text: string, idColumn: number, gidColumn: number): UserEntry[] {
  return text
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => line.split(":"))
    .map((f) => ({
      name: f[0]!,
      id: Number(f[idColumn]),
      gid: gidColumn < 0 ? Number(f[idColumn]) : Number(f[gidColumn]),
      members: gidColumn < 0 ? (f[3] ?? "").split(",").filter(Boolean) : [],
    }));
}
