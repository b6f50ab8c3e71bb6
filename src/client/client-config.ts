// Where a client finds its credentials and the daemon: explicit options, then AURAE_* environment, then the first
// config file found of ~/.aurae/config and /etc/aurae/config (TOML: [auth] ca_crt, client_crt, client_key;
// [system] socket, server_name).
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { InvalidArgumentError } from "./errors.js";
import type { ResumeOptions } from "./resume.js";

export interface ClientOptions {
  /** Path of a client config file; default: ~/.aurae/config, then /etc/aurae/config. */
  readonly config?: string;
  /** Unix socket of the daemon; overrides the config file. */
  readonly socket?: string;
  /** A TCP address ("[::1]:8080", "node-3:8080") instead of the socket. */
  readonly address?: string;
  readonly caCrt?: string;
  readonly clientCrt?: string;
  readonly clientKey?: string;
  /** Name the server certificate must carry when connecting over the socket. Default "localhost". */
  readonly serverName?: string;
  /** Environment to read AURAE_* from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Deadline of calls that do not wait for a workload, in ms (a call's own deadline overrides it). Default 30000;
   * 0: none. */
  readonly deadlineMs?: number;
  /** How log and event streams reconnect after the daemon went away; false: they end with UnavailableError. */
  readonly resume?: ResumeOptions | false;
}

export interface ResolvedClientConfig {
  readonly target: string;
  readonly serverName: string | undefined;
  readonly caCrt: string;
  readonly clientCrt: string;
  readonly clientKey: string;
  /** The config file used, if any. */
  readonly configPath: string | undefined;
}

export const DEFAULT_SOCKET = "/run/aurae/aurae.sock";

export function defaultConfigPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  return [join(env.HOME ?? homedir(), ".aurae", "config"), "/etc/aurae/config"];
}

export async function resolveClientConfig(opts: ClientOptions = {}): Promise<ResolvedClientConfig> {
  const env = opts.env ?? process.env;
  const explicit = opts.config ?? env.AURAE_CONFIG;
  const file = await readConfigFile(explicit ? [explicit] : defaultConfigPaths(env), explicit !== undefined);
  const auth = section(file?.data, "auth");
  const system = section(file?.data, "system");
  const fromFile = (table: Record<string, unknown>, key: string): string | undefined => {
    const value = table[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string") throw new InvalidArgumentError(`${file!.path}: ${key} must be a string`, { field: key });
    // Relative paths in a config file are relative to the file.
    return key === "server_name" || isAbsolute(value) ? value : resolve(dirname(file!.path), value);
  };
  const need = (value: string | undefined, what: string): string => {
    if (value) return value;
    throw new InvalidArgumentError(
      `no ${what} configured: run "aer pki init" to create a client config, or pass --config (looked in ${
        explicit ?? defaultConfigPaths(env).join(", ")
      })`,
    );
  };
  const address = opts.address ?? env.AURAE_ADDRESS;
  const socket = opts.socket ?? env.AURAE_SOCKET ?? fromFile(system, "socket") ?? DEFAULT_SOCKET;
  return {
    target: address ?? `unix:${socket}`,
    serverName: address ? undefined : (opts.serverName ?? fromFile(system, "server_name") ?? "localhost"),
    caCrt: need(opts.caCrt ?? env.AURAE_CA_CRT ?? fromFile(auth, "ca_crt"), "CA certificate (ca_crt)"),
    clientCrt: need(opts.clientCrt ?? env.AURAE_CLIENT_CRT ?? fromFile(auth, "client_crt"), "client certificate (client_crt)"),
    clientKey: need(opts.clientKey ?? env.AURAE_CLIENT_KEY ?? fromFile(auth, "client_key"), "client key (client_key)"),
    configPath: file?.path,
  };
}

async function readConfigFile(
  paths: readonly string[],
  mustExist: boolean,
): Promise<{ path: string; data: Record<string, unknown> } | undefined> {
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && !mustExist) continue;
      throw new InvalidArgumentError(
        `client config ${path} ${fileFault(err)} (check the path given by --config or AURAE_CONFIG; "aer pki init" creates a config)`,
        { cause: err },
      );
    }
    try {
      return { path, data: parseToml(text) as Record<string, unknown> };
    } catch (err) {
      throw new InvalidArgumentError(`client config ${path} is not valid TOML: ${(err as Error).message}`);
    }
  }
  return undefined;
}

/** What went wrong with a file, after its path: "does not exist", "is not accessible (permission denied)". */
export function fileFault(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "does not exist";
  if (code === "EACCES" || code === "EPERM") return "is not accessible (permission denied)";
  if (code === "EISDIR") return "is a directory, not a file";
  return `could not be used: ${code ?? String(err)}`;
}

function section(data: Record<string, unknown> | undefined, name: string): Record<string, unknown> {
  const value = data?.[name];
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}
