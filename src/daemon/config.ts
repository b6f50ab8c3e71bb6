// auraed's configuration: one frozen object. Precedence: flag, then AURAE_* environment, then default.
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { invalid } from "../errors.js";
import { isValidTrustDomain } from "../pki/spiffe.js";

export interface DaemonConfig {
  /** Holds the socket; made 0700. */
  readonly runtimeDir: string;
  readonly socketPath: string;
  /** Database, workload state and logs. */
  readonly stateDir: string;
  /** Holds pki/ (ca.crt, server.crt, server.key). */
  readonly configDir: string;
  readonly pkiDir: string;
  /** "[::]:8080"-style listen address, or undefined when TCP is off. */
  readonly tcpAddress: string | undefined;
  readonly trustDomains: readonly string[];
  readonly cgroupFsRoot: string;
  /** Our subtree at the top of each cgroup hierarchy. */
  readonly cgroupRoot: string;
  readonly shimPath: string;
  readonly logLevel: string;
}

export const USAGE = `usage: auraed [options]
  --runtime-dir DIR     socket directory             (AURAE_RUNTIME_DIR, default /run/aurae)
  --state-dir DIR       database, workload state     (AURAE_STATE_DIR, default /var/lib/aurae)
  --config-dir DIR      holds pki/                   (AURAE_CONFIG_DIR, default /etc/aurae)
  --tcp ADDR            TCP listen address           (AURAE_TCP, default [::]:8080)
  --no-tcp              serve on the Unix socket only
  --trust-domain NAME   trusted SPIFFE trust domain, repeatable (AURAE_TRUST_DOMAIN, comma-separated, default aurae.local)
  --cgroup-root NAME    our cgroup subtree           (AURAE_CGROUP_ROOT, default aurae)
  --cgroup-fs DIR       where cgroups are mounted    (AURAE_CGROUP_FS, default /sys/fs/cgroup)
  --shim PATH           the aurae-shim binary        (AURAE_SHIM, default: the one built by npm install)
  --log-level LEVEL     trace|debug|info|warn|error  (AURAE_LOG_LEVEL, default info)`;

const DEFAULT_SHIM = fileURLToPath(new URL("../../native/build/aurae-shim", import.meta.url));

export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): DaemonConfig {
  const { values: flags } = parseArgs({
    args: [...argv],
    options: {
      "runtime-dir": { type: "string" },
      "state-dir": { type: "string" },
      "config-dir": { type: "string" },
      tcp: { type: "string" },
      "no-tcp": { type: "boolean" },
      "trust-domain": { type: "string", multiple: true },
      "cgroup-root": { type: "string" },
      "cgroup-fs": { type: "string" },
      shim: { type: "string" },
      "log-level": { type: "string" },
    },
    strict: true,
  });
  const pick = (flag: string | undefined, name: string, fallback: string): string => flag ?? env[`AURAE_${name}`] ?? fallback;
  const runtimeDir = absolute(pick(flags["runtime-dir"], "RUNTIME_DIR", "/run/aurae"), "--runtime-dir");
  const configDir = absolute(pick(flags["config-dir"], "CONFIG_DIR", "/etc/aurae"), "--config-dir");
  const tcp = flags["no-tcp"] ? "" : pick(flags.tcp, "TCP", "[::]:8080");
  const trustDomains = flags["trust-domain"] ?? pick(undefined, "TRUST_DOMAIN", "aurae.local").split(",").map((d) => d.trim());
  for (const domain of trustDomains)
    if (!isValidTrustDomain(domain)) throw invalid("--trust-domain", `"${domain}" is not a SPIFFE trust domain name`);
  const cgroupRoot = pick(flags["cgroup-root"], "CGROUP_ROOT", "aurae");
  if (!/^[a-zA-Z0-9_.-]+$/.test(cgroupRoot) || cgroupRoot.startsWith("."))
    throw invalid("--cgroup-root", `"${cgroupRoot}" must be one directory name`);
  const logLevel = pick(flags["log-level"], "LOG_LEVEL", "info");
  if (!["trace", "debug", "info", "warn", "error", "fatal"].includes(logLevel))
    throw invalid("--log-level", `unknown level "${logLevel}"`);
  return Object.freeze({
    runtimeDir,
    socketPath: join(runtimeDir, "aurae.sock"),
    stateDir: absolute(pick(flags["state-dir"], "STATE_DIR", "/var/lib/aurae"), "--state-dir"),
    configDir,
    pkiDir: join(configDir, "pki"),
    tcpAddress: tcp === "" || tcp === "off" ? undefined : tcp,
    trustDomains: Object.freeze(trustDomains),
    cgroupFsRoot: absolute(pick(flags["cgroup-fs"], "CGROUP_FS", "/sys/fs/cgroup"), "--cgroup-fs"),
    cgroupRoot,
    shimPath: absolute(pick(flags.shim, "SHIM", DEFAULT_SHIM), "--shim"),
    logLevel,
  });
}

function absolute(path: string, flag: string): string {
  if (!isAbsolute(path)) throw invalid(flag, `must be an absolute path, got "${path}"`);
  return path;
}
