// Registry settings for image pulls, from the daemon's configuration: a TOML file of `[registries."host:port"]`
// tables (`mirrors`, `ca_file`, `insecure_http`), a Docker-style config.json for credentials, and the system CAs.
// A file that does not exist means no settings; one that does not parse stops auraed at start, naming it.
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve, dirname } from "node:path";
import { parse as parseToml } from "smol-toml";
import { errnoCode, invalid, osError } from "../errors.js";
import type { RegistryHostOptions, RegistryHostsOptions } from "../runtime/images/registry-hosts.js";

export const SYSTEM_CA_FILE = "/etc/ssl/certs/ca-certificates.crt";

export interface RegistriesConfig {
  /** The TOML file of `[registries."host"]` tables. */
  readonly registriesPath: string;
  /** A Docker config.json whose `auths` hold credentials; undefined for none. */
  readonly dockerConfigPath: string | undefined;
  readonly systemCaFile?: string;
}

const readOptional = (path: string): Promise<string | undefined> =>
  readFile(path, "utf8").catch((err: unknown) => (errnoCode(err) === "ENOENT" ? undefined : Promise.reject(osError("read", path, err))));

export async function loadRegistryHosts(config: RegistriesConfig): Promise<RegistryHostsOptions> {
  const text = await readOptional(config.registriesPath);
  const hosts: Record<string, RegistryHostOptions> = {};
  if (text !== undefined) {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text);
    } catch (err) {
      throw invalid(config.registriesPath, `not valid TOML: ${(err as Error).message.split("\n")[0]}`);
    }
    const tables = doc["registries"] ?? {};
    if (typeof tables !== "object" || tables === null || Array.isArray(tables)) throw invalid(`${config.registriesPath}: registries`, "must be a table of hosts");
    for (const [host, value] of Object.entries(tables as Record<string, unknown>))
      hosts[host] = await hostOptions(value, `${config.registriesPath}: registries."${host}"`, dirname(config.registriesPath));
  }
  const dockerText = config.dockerConfigPath === undefined ? undefined : await readOptional(config.dockerConfigPath);
  let dockerConfig: unknown;
  try {
    dockerConfig = dockerText === undefined ? undefined : JSON.parse(dockerText);
  } catch {
    throw invalid(config.dockerConfigPath ?? "docker config", "is not valid JSON");
  }
  const systemCa = await readOptional(config.systemCaFile ?? SYSTEM_CA_FILE);
  return { hosts, ...(dockerConfig !== undefined && { dockerConfig }), ...(systemCa !== undefined && { systemCaPem: [systemCa] }) };
}

async function hostOptions(value: unknown, where: string, baseDir: string): Promise<RegistryHostOptions> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(where, "must be a table");
  const { mirrors = [], ca_file: caFile, insecure_http: insecureHttp = false, ...rest } = value as Record<string, unknown>;
  const unknownKey = Object.keys(rest)[0];
  if (unknownKey !== undefined) throw invalid(`${where}.${unknownKey}`, "unknown key (mirrors, ca_file, insecure_http)");
  if (!Array.isArray(mirrors) || !mirrors.every((m) => typeof m === "string")) throw invalid(`${where}.mirrors`, "must be an array of host[:port] strings");
  if (typeof insecureHttp !== "boolean") throw invalid(`${where}.insecure_http`, "must be true or false");
  if (caFile !== undefined && typeof caFile !== "string") throw invalid(`${where}.ca_file`, "must be a path");
  const caPath = caFile === undefined ? undefined : isAbsolute(caFile) ? caFile : resolve(baseDir, caFile);
  const caPem = caPath === undefined ? undefined : await readFile(caPath, "utf8").catch((err: unknown) => Promise.reject(osError("read", caPath, err)));
  return { mirrors: mirrors as string[], insecureHttp, ...(caPem !== undefined && { caPem }) };
}
