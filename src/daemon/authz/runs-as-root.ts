// Whether a Start request would run its process with root's credentials: no user (root by default), uid 0, or gid
// 0 as its group or one of its groups. The authorizer now decides every credential (process-grant.ts) and never
// asks the call gate for this check; it stays only because the gate's deps (interceptors.ts) still name it.
import { resolveCredentials } from "../../runtime/users.js";
import { processOfStartRequest } from "./process-grant.js";

export async function runsAsRoot(request: unknown): Promise<boolean> {
  const credentials = await resolveCredentials(processOfStartRequest(request));
  return credentials === undefined || credentials.uid === 0 || credentials.gid === 0 || credentials.groups.includes(0);
}
