// Reads the policy file; a missing file means the default policy (the admin alone), any other problem is an error
// naming the file, so a daemon never starts, or keeps running, on a policy it could not read.
import { readFile } from "node:fs/promises";
import { errnoCode, precondition } from "../../errors.js";
import { readUserDatabase } from "../../runtime/users.js";
import { defaultPolicy, parsePolicy, type Policy } from "./policy.js";

/** The policy at `path`; user and group names in it are resolved in `etcDir`'s passwd and group files, now. */
export async function loadPolicy(path: string, adminId: string, etcDir = "/etc"): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return defaultPolicy(adminId);
    throw precondition(`read ${path}: ${errnoCode(err) ?? String(err)}`, { cause: err });
  }
  return parsePolicy(text, path, await readUserDatabase(etcDir));
}
