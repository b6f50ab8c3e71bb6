// Turns user and group names into ids the way login does: /etc/passwd for a user's uid and primary group,
// /etc/group for names and for the supplementary groups a user is a member of. Numeric ids need no entry.
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

interface Entry {
  readonly name: string;
  readonly id: number;
  readonly gid: number;
  readonly members: readonly string[];
}

const NUMERIC = /^\d+$/;

/** Ids for the request, or undefined when it names nobody (the workload keeps the shim's root credentials). */
export async function resolveCredentials(req: CredentialsRequest, etcDir = "/etc"): Promise<Credentials | undefined> {
  if (req.user === undefined && req.group === undefined && req.supplementaryGroups === undefined) return undefined;
  const passwd = await readDatabase(join(etcDir, "passwd"), 2, 3);
  const groups = await readDatabase(join(etcDir, "group"), 2, -1);
  const user = lookup(passwd, req.user ?? "0", "spec.user", "user", join(etcDir, "passwd"));
  const uid = user?.id ?? Number(req.user ?? 0);
  const gid =
    req.group !== undefined
      ? (lookup(groups, req.group, "spec.group", "group", join(etcDir, "group"))?.id ?? Number(req.group))
      : (user?.gid ?? 0);
  const supplementary =
    req.supplementaryGroups !== undefined
      ? req.supplementaryGroups.map((g, i) => lookup(groups, g, `spec.supplementary_groups[${i}]`, "group", join(etcDir, "group"))?.id ?? Number(g))
      : groups.filter((g) => user !== undefined && g.members.includes(user.name)).map((g) => g.id);
  return { uid, gid, groups: [...new Set(supplementary)] };
}

/** The entry for a name or id; a numeric id without an entry is fine (undefined), an unknown name is not. */
function lookup(entries: readonly Entry[], nameOrId: string, field: string, what: string, path: string): Entry | undefined {
  if (NUMERIC.test(nameOrId)) return entries.find((e) => e.id === Number(nameOrId));
  const entry = entries.find((e) => e.name === nameOrId);
  if (!entry) throw precondition(`${field}: no ${what} "${nameOrId}" in ${path}`);
  return entry;
}

/** Parses passwd (id in column 2, gid in 3) or group (id in 2, members in 3) files. */
async function readDatabase(path: string, idColumn: number, gidColumn: number): Promise<Entry[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return [];
    throw precondition(`read ${path}: ${errnoCode(err)}`, { cause: err });
  }
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
