import assert from "node:assert/strict";
import { isAbsolute } from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../../src/daemon/config.js";

test("uses the documented defaults with no flag and no environment", () => {
  const config = loadConfig([], {});
  assert.deepEqual({ ...config, shimPath: undefined }, {
    runtimeDir: "/run/aurae",
    socketPath: "/run/aurae/aurae.sock",
    stateDir: "/var/lib/aurae",
    configDir: "/etc/aurae",
    pkiDir: "/etc/aurae/pki",
    policyPath: "/etc/aurae/policy.toml",
    registriesPath: "/etc/aurae/registries.toml",
    dockerConfigPath: undefined,
    callLimits: { ratePerSecond: 2000, burst: 4000, maxStreams: 256, maxStreamsTotal: 4096 },
    connectionLimits: { handshakeTimeoutMs: 10_000, maxHandshakes: 128, maxHandshakesPerPeer: 16, maxConnectionsPerPeer: 256 },
    tcpAddress: "[::]:8080",
    trustDomains: ["aurae.local"],
    cgroupFsRoot: "/sys/fs/cgroup",
    cgroupRoot: "aurae",
    shimPath: undefined,
    logLevel: "info",
    logMaxBytes: 10_485_760,
    logMaxFiles: 5,
    eventRetention: { maxEvents: 100_000, maxAgeMs: 604_800_000 },
    auditRetention: { maxEntries: 100_000, maxAgeMs: 2_592_000_000 },
    keepLeftovers: false,
    removeLeftovers: false,
    workloadSvidTtlMs: 2_592_000_000,
    spawnTimeoutMs: 30_000,
    stopWorkloadsOnExit: false,
  });
  assert.ok(isAbsolute(config.shimPath) && config.shimPath.endsWith("/native/build/aurae-shim"), config.shimPath);
});

test("is frozen, its trust domains too", () => {
  const config = loadConfig([], {});
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.trustDomains));
});

test("takes every setting from AURAE_* environment variables", () => {
  const config = loadConfig([], {
    AURAE_RUNTIME_DIR: "/tmp/run",
    AURAE_STATE_DIR: "/tmp/state",
    AURAE_CONFIG_DIR: "/tmp/etc",
    AURAE_TCP: "127.0.0.1:9000",
    AURAE_TRUST_DOMAIN: "a.example,b.example",
    AURAE_CGROUP_ROOT: "aurae-test",
    AURAE_CGROUP_FS: "/tmp/cgroup",
    AURAE_SHIM: "/opt/aurae-shim",
    AURAE_LOG_LEVEL: "debug",
    AURAE_LOG_MAX_BYTES: "65536",
    AURAE_LOG_MAX_FILES: "3",
    AURAE_EVENTS_MAX: "10",
    AURAE_EVENTS_MAX_AGE: "1h",
    AURAE_AUDIT_MAX: "20",
    AURAE_AUDIT_MAX_AGE: "2d",
    AURAE_POLICY: "/tmp/policy.toml",
    AURAE_REGISTRIES: "/tmp/registries.toml",
    AURAE_DOCKER_CONFIG: "/tmp/docker.json",
    AURAE_RATE_LIMIT: "0",
    AURAE_RATE_BURST: "7",
    AURAE_MAX_STREAMS: "9",
    AURAE_MAX_STREAMS_TOTAL: "12",
    AURAE_HANDSHAKE_TIMEOUT: "2s",
    AURAE_MAX_HANDSHAKES: "11",
    AURAE_MAX_HANDSHAKES_PER_PEER: "3",
    AURAE_MAX_CONNECTIONS_PER_PEER: "5",
    AURAE_SPAWN_TIMEOUT: "5s",
  });
  assert.deepEqual(
    { ...config },
    {
      runtimeDir: "/tmp/run",
      socketPath: "/tmp/run/aurae.sock",
      stateDir: "/tmp/state",
      configDir: "/tmp/etc",
      pkiDir: "/tmp/etc/pki",
      policyPath: "/tmp/policy.toml",
      registriesPath: "/tmp/registries.toml",
      dockerConfigPath: "/tmp/docker.json",
      callLimits: { ratePerSecond: 0, burst: 7, maxStreams: 9, maxStreamsTotal: 12 },
      connectionLimits: { handshakeTimeoutMs: 2000, maxHandshakes: 11, maxHandshakesPerPeer: 3, maxConnectionsPerPeer: 5 },
      tcpAddress: "127.0.0.1:9000",
      trustDomains: ["a.example", "b.example"],
      cgroupFsRoot: "/tmp/cgroup",
      cgroupRoot: "aurae-test",
      shimPath: "/opt/aurae-shim",
      logLevel: "debug",
      logMaxBytes: 65_536,
      logMaxFiles: 3,
      eventRetention: { maxEvents: 10, maxAgeMs: 3_600_000 },
      auditRetention: { maxEntries: 20, maxAgeMs: 172_800_000 },
      keepLeftovers: false,
      removeLeftovers: false,
      workloadSvidTtlMs: 2_592_000_000,
      spawnTimeoutMs: 5000,
      stopWorkloadsOnExit: false,
    },
  );
});

test("takes a flag over its environment variable", () => {
  const config = loadConfig(
    ["--state-dir", "/flag/state", "--tcp=[::1]:7000", "--trust-domain", "x.example", "--trust-domain", "y.example", "--log-level", "warn"],
    { AURAE_STATE_DIR: "/env/state", AURAE_TCP: "0.0.0.0:1", AURAE_TRUST_DOMAIN: "env.example", AURAE_LOG_LEVEL: "error" },
  );
  assert.equal(config.stateDir, "/flag/state");
  assert.equal(config.tcpAddress, "[::1]:7000");
  assert.deepEqual(config.trustDomains, ["x.example", "y.example"]);
  assert.equal(config.logLevel, "warn");
});

test("turns TCP off with --no-tcp, even when --tcp or AURAE_TCP names an address", () => {
  assert.equal(loadConfig(["--no-tcp"], {}).tcpAddress, undefined);
  assert.equal(loadConfig(["--no-tcp", "--tcp", "[::]:1"], { AURAE_TCP: "[::]:2" }).tcpAddress, undefined);
});

test('turns TCP off with an address of "off" or ""', () => {
  assert.equal(loadConfig(["--tcp", "off"], {}).tcpAddress, undefined);
  assert.equal(loadConfig([], { AURAE_TCP: "" }).tcpAddress, undefined);
});

for (const [flag, env] of [
  ["--runtime-dir", "AURAE_RUNTIME_DIR"],
  ["--state-dir", "AURAE_STATE_DIR"],
  ["--config-dir", "AURAE_CONFIG_DIR"],
  ["--cgroup-fs", "AURAE_CGROUP_FS"],
  ["--shim", "AURAE_SHIM"],
] as const) {
  test(`refuses a relative ${flag}, from the flag or ${env}, naming the flag and the path`, () => {
    const expected = { name: "AuraeError", kind: "invalid", field: flag, message: `${flag}: must be an absolute path, got "rel/dir"` };
    assert.throws(() => loadConfig([flag, "rel/dir"], {}), expected);
    assert.throws(() => loadConfig([], { [env]: "rel/dir" }), expected);
  });
}

for (const domain of ["Aurae.Local", "spiffe://aurae.local", "bad domain", ""]) {
  test(`refuses the trust domain "${domain}", naming --trust-domain`, () => {
    const expected = { kind: "invalid", field: "--trust-domain", message: `--trust-domain: "${domain}" is not a SPIFFE trust domain name` };
    assert.throws(() => loadConfig(["--trust-domain", domain], {}), expected);
  });
}

test("refuses a bad trust domain anywhere in AURAE_TRUST_DOMAIN's list", () => {
  assert.throws(() => loadConfig([], { AURAE_TRUST_DOMAIN: "good.example,Bad" }), { field: "--trust-domain", message: /"Bad"/ });
});

for (const root of ["a/b", "..", ".hidden", "", "sp ace"]) {
  test(`refuses the cgroup root "${root}": it must be one directory name`, () => {
    assert.throws(() => loadConfig(["--cgroup-root", root], {}), { kind: "invalid", field: "--cgroup-root" });
  });
}

test("refuses an unknown log level, naming --log-level", () => {
  assert.throws(() => loadConfig(["--log-level", "loud"], {}), { field: "--log-level", message: '--log-level: unknown level "loud"' });
});

test("throws on an unknown flag, naming it", () => {
  assert.throws(() => loadConfig(["--stat-dir", "/x"], {}), { code: "ERR_PARSE_ARGS_UNKNOWN_OPTION", message: /--stat-dir/ });
});

test("throws on a positional argument", () => {
  assert.throws(() => loadConfig(["/var/lib/aurae"], {}), { code: "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" });
});

test("throws on a flag that needs a value and has none", () => {
  assert.throws(() => loadConfig(["--state-dir"], {}), { code: "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" });
});

test("refuses log retention below what a segment needs, naming the flag", () => {
  assert.throws(() => loadConfig(["--log-max-bytes", "100"], {}), { kind: "invalid", field: "--log-max-bytes" });
  assert.throws(() => loadConfig(["--log-max-files", "0"], {}), { kind: "invalid", field: "--log-max-files" });
});

test("--log-max-bytes takes a size with a unit (1MiB, 512KiB, 1M) as the age options take theirs, or bytes", () => {
  assert.equal(loadConfig(["--log-max-bytes", "1MiB"], {}).logMaxBytes, 1_048_576);
  assert.equal(loadConfig(["--log-max-bytes", "512KiB"], {}).logMaxBytes, 524_288);
  assert.equal(loadConfig(["--log-max-bytes", "1M"], {}).logMaxBytes, 1_048_576);
  assert.equal(loadConfig([], { AURAE_LOG_MAX_BYTES: "2GiB" }).logMaxBytes, 2 ** 31);
  assert.equal(loadConfig(["--log-max-bytes", "65536"], {}).logMaxBytes, 65_536);
  assert.throws(() => loadConfig(["--log-max-bytes", "1MB/s"], {}), { kind: "invalid", field: "--log-max-bytes", message: /got "1MB\/s"/ });
  assert.throws(() => loadConfig(["--log-max-bytes", "10 parsecs"], {}), { kind: "invalid", field: "--log-max-bytes" });
  assert.throws(() => loadConfig(["--log-max-bytes", "1KiB"], {}), { kind: "invalid", field: "--log-max-bytes", message: /at least 4096 bytes/ });
});

test("takes audit retention from --audit-max and --audit-max-age, refusing bad values by flag", () => {
  assert.deepEqual(loadConfig(["--audit-max", "500", "--audit-max-age", "12h"], { AURAE_AUDIT_MAX: "7" }).auditRetention, {
    maxEntries: 500,
    maxAgeMs: 43_200_000,
  });
  assert.throws(() => loadConfig(["--audit-max", "0"], {}), { kind: "invalid", field: "--audit-max" });
  assert.throws(() => loadConfig(["--audit-max-age", "forever"], {}), { kind: "invalid", field: "--audit-max-age" });
});

test("takes the connection limits from their flags, refusing bad values by flag", () => {
  const flags = ["--handshake-timeout", "500ms", "--max-handshakes", "4", "--max-handshakes-per-peer", "2", "--max-connections-per-peer", "6"];
  assert.deepEqual(loadConfig(flags, { AURAE_MAX_HANDSHAKES: "9" }).connectionLimits, {
    handshakeTimeoutMs: 500,
    maxHandshakes: 4,
    maxHandshakesPerPeer: 2,
    maxConnectionsPerPeer: 6,
  });
  assert.throws(() => loadConfig(["--handshake-timeout", "10"], {}), { kind: "invalid", field: "--handshake-timeout" });
  for (const flag of ["--max-handshakes", "--max-handshakes-per-peer", "--max-connections-per-peer"])
    assert.throws(() => loadConfig([flag, "0"], {}), { kind: "invalid", field: flag });
});
