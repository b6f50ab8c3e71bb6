// Registry credentials: passed in a call, or found in a Docker-style config.json (`auths`). They are secrets: no
// function here logs them, and an error never quotes them.
import { invalid } from "../../errors.js";

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** Docker writes Docker Hub's entry under its v1 index URL. */
const DOCKER_HUB_KEYS = ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"];

/**
 * The credentials for `registry` in a parsed Docker config.json: an `auths` key equal to the host, or a URL whose
 * host is it. `auth` is base64 of `user:password`; separate `username`/`password` fields are accepted too.
 * Credential helpers (`credsStore`) are not run: that would execute a program named by a file.
 */
export function credentialsFromDockerConfig(config: unknown, registry: string): Credentials | undefined {
  const auths = (config as { auths?: unknown } | null)?.auths;
  if (typeof auths !== "object" || auths === null) return undefined;
  const keys = registry === "docker.io" ? DOCKER_HUB_KEYS : [registry];
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    if (!keys.includes(key) && !keys.includes(hostOf(key))) continue;
    const found = entryCredentials(entry, key);
    if (found) return found;
  }
  return undefined;
}

/** The `Authorization` value of HTTP basic auth (RFC 7617). */
export const basicAuthorization = (c: Credentials): string =>
  `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;

function entryCredentials(entry: unknown, key: string): Credentials | undefined {
  const e = entry as { auth?: unknown; username?: unknown; password?: unknown } | null;
  if (typeof e?.auth === "string" && e.auth !== "") {
    const decoded = Buffer.from(e.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    // The value is a secret: the message says where it is, never what it holds.
    if (colon < 0) throw invalid(`auths["${key}"].auth`, "must be base64 of user:password");
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof e?.username === "string" && typeof e.password === "string") return { username: e.username, password: e.password };
  return undefined;
}

function hostOf(key: string): string {
  try {
    return new URL(key.includes("://") ? key : `https://${key}`).host;
  } catch {
    return key;
  }
}
