// Whether a Start request would run its process with root's credentials: no user (root by default), uid 0, or gid
// 0 as its group or one of its groups. Names are resolved as the executable's start resolves them.
import { resolveCredentials } from "../../runtime/users.js";

/** The fields of a decoded StartRequest this reads (src/gen is the convert layer's to import). */
interface StartRequestCredentials {
  readonly spec?: { readonly user: string; readonly group: string; readonly supplementaryGroups: readonly string[] };
}

export async function runsAsRoot(request: unknown): Promise<boolean> {
  const spec = (request as StartRequestCredentials).spec;
  const credentials = await resolveCredentials({
    ...(spec?.user && { user: spec.user }),
    ...(spec?.group && { group: spec.group }),
    ...(spec && spec.supplementaryGroups.length > 0 && { supplementaryGroups: spec.supplementaryGroups }),
  });
  return credentials === undefined || credentials.uid === 0 || credentials.gid === 0 || credentials.groups.includes(0);
}
