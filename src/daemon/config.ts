// auraed's configuration: one frozen object. Precedence: flag, then AURAE_* environment, then default.
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_AUDIT_RETENTION, type AuditRetention } from "../domain/audit/audit-log.js";
import { DEFAULT_RETENTION, parseDurationMs, type Retention } from "../domain/events/retention.js";
import { invalid } from "../errors.js";
import { isValidTrustDomain } from "../pki/spiffe.js";
import type { CallLimitsConfig } from "./limits.js";
import type { ConnectionLimitsConfig } from "./tls/connection-caps.js";
import { parseTcpAddress } from "./tls/listeners.js";

export interface DaemonConfig {
  /** Holds the socket; made 0700. */
  readonly runtimeDir: string;
  readonly socketPath: string;
  /** Database, workload state and logs. */
  readonly stateDir: string;
  /** Holds pki/ (ca.crt, server.crt, server.key). */
  readonly configDir: string;
  readonly pkiDir: string;
  /** `[registries."host:port"]` tables for image pulls: mirrors, ca_file, insecure_http. Absent: no settings. */
  readonly registriesPath: string;
  /** A Docker config.json whose `auths` give registry credentials; undefined for none. */
  readonly dockerConfigPath: string | undefined;
  /** The authorization policy file; when it does not exist, only the admin identity may call. */
  readonly policyPath: string;
  /** Per identity: sustained calls per second (0: unlimited), burst, and server streams open at once. */
  readonly callLimits: CallLimitsConfig;
  /** Per listener and per peer address: connections in their TLS handshake, connections open, handshake timeout. */
  readonly connectionLimits: ConnectionLimitsConfig;
  /** "[::]:8080"-style listen address, or undefined when TCP is off. */
  readonly tcpAddress: string | undefined;
  readonly trustDomains: readonly string[];
  readonly cgroupFsRoot: string;
  /** Our subtree at the top of each cgroup hierarchy. */
  readonly cgroupRoot: string;
  readonly shimPath: string;
  readonly logLevel: string;
  /** How much of the event log is kept. */
  readonly eventRetention: Retention;
  /** How much of the audit log is kept. */
  readonly auditRetention: AuditRetention;
  /** Per executable: a log segment's size and how many segments are kept. */
  readonly logMaxBytes: number;
  /** At start, leave cgroups no desired state claims (and their processes) alone instead of removing them. */
  readonly keepLeftovers: boolean;
  /** Remove them even when the node database is new (by default a new database leaves them alone). */
  readonly removeLeftovers: boolean;
  /** On SIGTERM, stop every executable (deepest cells first) instead of leaving them running. */
  readonly stopWorkloadsOnExit: boolean;
  readonly logMaxFiles: number;
  /** How long a start may wait for the shim's report before it is killed and rolled back. */
  readonly spawnTimeoutMs: number;
  /** How long a cell's workload SVID is valid; renewed at half-life. */
  readonly workloadSvidTtlMs: number;
}

export const USAGE = `usage: auraed [options]
  --runtime-dir DIR     socket directory             (AURAE_RUNTIME_DIR, default /run/aurae)
  --state-dir DIR       database, workload state     (AURAE_STATE_DIR, default /var/lib/aurae)
  --config-dir DIR      holds pki/                   (AURAE_CONFIG_DIR, default /etc/aurae)
  --tcp ADDR            TCP listen address           (AURAE_TCP, default [::]:8080)
  --no-tcp              serve on the Unix socket only
  --trust-domain NAME   trust domain of pki/ca.crt, repeatable; the first one's /admin is the default admin
                        (AURAE_TRUST_DOMAIN, comma-separated, default aurae.local); federated domains: pki/bundles/<domain>.crt
  --policy FILE         authorization policy         (AURAE_POLICY, default <config-dir>/policy.toml)
  --registries FILE     image registry settings      (AURAE_REGISTRIES, default <config-dir>/registries.toml)
  --docker-config FILE  registry credentials, Docker config.json \`auths\` (AURAE_DOCKER_CONFIG, default none)
  --rate-limit N        calls per second per identity, 0 for none (AURAE_RATE_LIMIT, default 2000)
  --rate-burst N        calls an idle identity may make at once   (AURAE_RATE_BURST, default 4000)
  --max-streams N       streams one identity may hold open        (AURAE_MAX_STREAMS, default 256)
  --max-streams-total N streams all callers together may hold open (AURAE_MAX_STREAMS_TOTAL, default 4096)
  --handshake-timeout AGE  close a connection not through TLS by then (AURAE_HANDSHAKE_TIMEOUT, default 10s)
  --max-handshakes N    connections in their TLS handshake, per listener (AURAE_MAX_HANDSHAKES, default 128)
  --max-handshakes-per-peer N  the same, per peer address     (AURAE_MAX_HANDSHAKES_PER_PEER, default 16)
  --max-connections-per-peer N  connections open per peer address (AURAE_MAX_CONNECTIONS_PER_PEER, default 256)
  --cgroup-root NAME    our cgroup subtree           (AURAE_CGROUP_ROOT, default aurae)
  --cgroup-fs DIR       where cgroups are mounted    (AURAE_CGROUP_FS, default /sys/fs/cgroup)
  --shim PATH           the aurae-shim binary        (AURAE_SHIM, default: the one built by npm install)
  --log-level LEVEL     trace|debug|info|warn|error  (AURAE_LOG_LEVEL, default info)
  --events-max N        events kept, newest first    (AURAE_EVENTS_MAX, default 100000)
  --events-max-age AGE  drop older events: 7d, 12h   (AURAE_EVENTS_MAX_AGE, default 7d)
  --audit-max N         newest audit entries kept    (AURAE_AUDIT_MAX, default 100000)
  --audit-max-age AGE   drop older audit entries     (AURAE_AUDIT_MAX_AGE, default 30d)
  --log-max-bytes SIZE  an executable's log segment: 512KiB, 10MiB, 1G, bytes (AURAE_LOG_MAX_BYTES, default 10MiB)
  --log-max-files N     segments kept per executable (AURAE_LOG_MAX_FILES, default 5)
  --workload-svid-ttl AGE  a cell's workload SVID lifetime, renewed at half-life (AURAE_WORKLOAD_SVID_TTL, default 30d)
  --spawn-timeout AGE   a start the shim has not reported by then is killed and rolled back (AURAE_SPAWN_TIMEOUT, default 30s)
  --keep-leftovers      at start, keep cgroups no desired state claims (to recover a lost database)
  --remove-leftovers    remove them even when the node database is new (by default a new one leaves them alone)
  --stop-workloads-on-exit  on SIGTERM, stop every executable instead of leaving them running`;

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
      policy: { type: "string" },
      registries: { type: "string" },
      "docker-config": { type: "string" },
      "rate-limit": { type: "string" },
      "rate-burst": { type: "string" },
      "max-streams": { type: "string" },
      "max-streams-total": { type: "string" },
      "handshake-timeout": { type: "string" },
      "max-handshakes": { type: "string" },
      "max-handshakes-per-peer": { type: "string" },
      "max-connections-per-peer": { type: "string" },
      "cgroup-root": { type: "string" },
      "cgroup-fs": { type: "string" },
      shim: { type: "string" },
      "log-level": { type: "string" },
      "events-max": { type: "string" },
      "events-max-age": { type: "string" },
      "audit-max": { type: "string" },
      "audit-max-age": { type: "string" },
      "log-max-bytes": { type: "string" },
      "keep-leftovers": { type: "boolean" },
      "spawn-timeout": { type: "string" },
      "workload-svid-ttl": { type: "string" },
      "remove-leftovers": { type: "boolean" },
      "stop-workloads-on-exit": { type: "boolean" },
      "log-max-files": { type: "string" },
    },
    strict: true,
  });
  const pick = (flag: string | undefined, name: string, fallback: string): string => flag ?? env[`AURAE_${name}`] ?? fallback;
  const runtimeDir = absolute(pick(flags["runtime-dir"], "RUNTIME_DIR", "/run/aurae"), "--runtime-dir");
  const configDir = absolute(pick(flags["config-dir"], "CONFIG_DIR", "/etc/aurae"), "--config-dir");
  const tcp = flags["no-tcp"] ? "" : pick(flags.tcp, "TCP", "[::]:8080");
  const tcpAddress = tcp === "" || tcp === "off" ? undefined : tcp;
  if (tcpAddress !== undefined) parseTcpAddress(tcpAddress, "--tcp"); // a bad address is refused before anything starts
  const trustDomains = flags["trust-domain"] ?? pick(undefined, "TRUST_DOMAIN", "aurae.local").split(",").map((d) => d.trim());
  for (const domain of trustDomains)
    if (!isValidTrustDomain(domain)) throw invalid("--trust-domain", `"${domain}" is not a SPIFFE trust domain name`);
  const cgroupRoot = pick(flags["cgroup-root"], "CGROUP_ROOT", "aurae");
  if (!/^[a-zA-Z0-9_.-]+$/.test(cgroupRoot) || cgroupRoot.startsWith("."))
    throw invalid("--cgroup-root", `"${cgroupRoot}" must be one directory name`);
  const logLevel = pick(flags["log-level"], "LOG_LEVEL", "info");
  if (!["trace", "debug", "info", "warn", "error", "fatal"].includes(logLevel))
    throw invalid("--log-level", `unknown level "${logLevel}"`);
  const logMaxBytes = byteSize(pick(flags["log-max-bytes"], "LOG_MAX_BYTES", "10MiB"), "--log-max-bytes", 4096);
  const dockerConfig = pick(flags["docker-config"], "DOCKER_CONFIG", "");
  const logMaxFiles = integer(pick(flags["log-max-files"], "LOG_MAX_FILES", "5"), "--log-max-files", 1);
  return Object.freeze({
    keepLeftovers: flags["keep-leftovers"] ?? false,
    removeLeftovers: flags["remove-leftovers"] ?? false,
    workloadSvidTtlMs: atLeast(parseDurationMs(pick(flags["workload-svid-ttl"], "WORKLOAD_SVID_TTL", "30d"), "--workload-svid-ttl"), 10_000, "--workload-svid-ttl"),
    stopWorkloadsOnExit: flags["stop-workloads-on-exit"] ?? false,
    spawnTimeoutMs: atLeast(parseDurationMs(pick(flags["spawn-timeout"], "SPAWN_TIMEOUT", "30s"), "--spawn-timeout"), 100, "--spawn-timeout"),
    logMaxBytes,
    logMaxFiles,
    runtimeDir,
    socketPath: join(runtimeDir, "aurae.sock"),
    stateDir: absolute(pick(flags["state-dir"], "STATE_DIR", "/var/lib/aurae"), "--state-dir"),
    configDir,
    pkiDir: join(configDir, "pki"),
    registriesPath: absolute(pick(flags.registries, "REGISTRIES", join(configDir, "registries.toml")), "--registries"),
    dockerConfigPath: dockerConfig === "" ? undefined : absolute(dockerConfig, "--docker-config"),
    policyPath: absolute(pick(flags.policy, "POLICY", join(configDir, "policy.toml")), "--policy"),
    callLimits: Object.freeze({
      ratePerSecond: integer(pick(flags["rate-limit"], "RATE_LIMIT", "2000"), "--rate-limit", 0),
      burst: integer(pick(flags["rate-burst"], "RATE_BURST", "4000"), "--rate-burst", 1),
      maxStreams: integer(pick(flags["max-streams"], "MAX_STREAMS", "256"), "--max-streams", 1),
      maxStreamsTotal: integer(pick(flags["max-streams-total"], "MAX_STREAMS_TOTAL", "4096"), "--max-streams-total", 1),
    }),
    connectionLimits: Object.freeze({
      handshakeTimeoutMs: parseDurationMs(pick(flags["handshake-timeout"], "HANDSHAKE_TIMEOUT", "10s"), "--handshake-timeout"),
      maxHandshakes: integer(pick(flags["max-handshakes"], "MAX_HANDSHAKES", "128"), "--max-handshakes", 1),
      maxHandshakesPerPeer: integer(pick(flags["max-handshakes-per-peer"], "MAX_HANDSHAKES_PER_PEER", "16"), "--max-handshakes-per-peer", 1),
      maxConnectionsPerPeer: integer(pick(flags["max-connections-per-peer"], "MAX_CONNECTIONS_PER_PEER", "256"), "--max-connections-per-peer", 1),
    }),
    tcpAddress,
    trustDomains: Object.freeze(trustDomains),
    cgroupFsRoot: absolute(pick(flags["cgroup-fs"], "CGROUP_FS", "/sys/fs/cgroup"), "--cgroup-fs"),
    cgroupRoot,
    shimPath: absolute(pick(flags.shim, "SHIM", DEFAULT_SHIM), "--shim"),
    logLevel,
    eventRetention: Object.freeze({
      maxEvents: integer(pick(flags["events-max"], "EVENTS_MAX", String(DEFAULT_RETENTION.maxEvents)), "--events-max", 1),
      maxAgeMs: parseDurationMs(pick(flags["events-max-age"], "EVENTS_MAX_AGE", "7d"), "--events-max-age"),
    }),
    auditRetention: Object.freeze({
      maxEntries: integer(pick(flags["audit-max"], "AUDIT_MAX", String(DEFAULT_AUDIT_RETENTION.maxEntries)), "--audit-max", 1),
      maxAgeMs: parseDurationMs(pick(flags["audit-max-age"], "AUDIT_MAX_AGE", "30d"), "--audit-max-age"),
    }),
  });
}

function integer(text: string, flag: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) throw invalid(flag, `must be an integer of at least ${min}, got "${text}"`);
  return value;
}

function atLeast(ms: number, minMs: number, flag: string): number {
  if (ms < minMs) throw invalid(flag, `must be at least ${minMs / 1000}s, got ${ms} ms`);
  return ms;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 };

/** Bytes from "10MiB", "10Mi", "10M" or "10485760": binary multiples, as aer's sizes and the kernel's files use. */
function byteSize(text: string, flag: string, min: number): number {
  const match = /^(\d+)\s*(?:([kmg])(?:ib|i|b)?|b)?$/i.exec(text.trim());
  const value = match ? Number(match[1]) * SIZE_UNITS[(match[2] ?? "").toLowerCase()]! : NaN;
  if (!Number.isSafeInteger(value) || value < min) throw invalid(flag, `must be a size of at least ${min} bytes such as 512KiB or 10MiB, got "${text}"`);
  return value;
}

function absolute(path: string, flag: string): string {
  if (!isAbsolute(path)) throw invalid(flag, `must be an absolute path, got "${path}"`);
  return path;
}
