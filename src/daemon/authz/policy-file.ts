// Reads the policy file; a missing file means the default policy (the admin alone), any other problem is an error
// naming the file, so a daemon never starts, or keeps running, on a policy it could not read.
import { readFile } from "node:fs/promises";
import { errnoCode, precondition } from "../../errors.js";
import { defaultPolicy, parsePolicy, type Policy } from "./policy.js";

export async function loadPolicy(path: string, adminId: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return defaultPolicy(adminId);
    throw precondition(`read ${path}: ${errnoCode(err) ?? String(err)}`, { cause: err });
  }
  return parsePolicy(text, path);
}
