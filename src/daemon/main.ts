#!/usr/bin/env -S node --max-semi-space-size=4
// auraed's composition root: the only place that reads argv and the environment and builds long-lived objects.
// The V8 flag above (also in packaging/auraed.service, which runs node itself) caps each semi-space of the young
// generation at 4 MiB: by default a burst of calls or starts grows them to 16 MiB, and an idle daemon, which does not
// collect, never gives those pages back (+23 MiB of RSS after 1,000 starts, for no workload's sake).
import { chmod, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pino } from "pino";
import { AuditLog } from "../domain/audit/audit-log.js";
import { Cells } from "../domain/cells/cells.js";
import { UsageKeepingCgroups } from "../domain/cells/usage-keeping-cgroups.js";
import { EventLog } from "../domain/events/event-log.js";
import { Executables } from "../domain/executables/executables.js";
import { trashDir } from "../domain/executables/layout.js";
import { KeyedMutex } from "../domain/keyed-mutex.js";
import { NodeCertificates } from "../domain/pki/node-certificates.js";
import { reconcileNode } from "../domain/reconcile.js";
import { AuraeError, isAuraeError } from "../errors.js";
import { PkiServiceService } from "../gen/aurae/pki/v1/pki.js";
import { CellServiceService } from "../gen/aurae/cells/v1/cells.js";
import { EventServiceService } from "../gen/aurae/events/v1/events.js";
import { ExecutableServiceService } from "../gen/aurae/executables/v1/executables.js";
import { NodeServiceService } from "../gen/aurae/node/v1/node.js";
import { createCgroupDriver } from "../runtime/cgroups/create-driver.js";
import { SHIMS_CGROUP } from "../runtime/cgroups/driver.js";
import { probeCgroupMode } from "../runtime/cgroups/probe.js";
import { emptyTrash } from "../runtime/discard-dir.js";
import { SegmentWriter } from "../runtime/logs/segment-writer.js";
import { ShimClient } from "../runtime/shim/shim-client.js";
import { Store } from "../store/store.js";
import { loadConfig, USAGE, type DaemonConfig } from "./config.js";
import { Authorizer } from "./authz/authorizer.js";
import { cellIdentityRules } from "./authz/cell-identity.js";
import { loadPolicy } from "./authz/policy-file.js";
import { Connections } from "./identity.js";
import { lockInstance } from "./instance-lock.js";
import { CallGate } from "./interceptors.js";
import { CallLimits } from "./limits.js";
import { Reloader } from "./reloader.js";
import { BUNDLES_DIR, loadTrustMaterial } from "./tls/trust-material.js";
import { prepareSocket, startServer } from "./server.js";
import { CellSockets } from "./workload-identities.js";
import { auditService } from "./services/audit.js";
import { AuditServiceExact } from "./convert/audit.js";
import { cellService } from "./services/cells.js";
import { pkiService } from "./services/pki.js";
import { imageService } from "./services/images.js";
import { loadRegistryHosts } from "./registries.js";
import { Images } from "../domain/images/images.js";
import { ImageServiceService } from "../gen/aurae/images/v1/images.js";
import { ContentStore } from "../runtime/images/content-store.js";
import { RegistryClient } from "../runtime/images/registry-client.js";
import { RegistryHosts } from "../runtime/images/registry-hosts.js";
import { Snapshotter } from "../runtime/images/snapshots.js";
import { eventService } from "./services/events.js";
import { executableService } from "./services/executables.js";
import { nodeService } from "./services/node.js";
import { ObserveServiceExact } from "./convert/logs.js";
import { observeService } from "./services/observe.js";

const SHUTDOWN_GRACE_MS = 5000;

async function main(config: DaemonConfig): Promise<void> {
  await mkdir(config.stateDir, { recursive: true, mode: 0o700 });
  await chmod(config.stateDir, 0o700); // one made before (by hand, by an older auraed) is tightened too
  // Every lock and the socket are checked before the kernel is touched: a refused auraed changes nothing.
  await lockInstance({ stateDir: config.stateDir, cgroupFsRoot: config.cgroupFsRoot, cgroupRoot: config.cgroupRoot });
  await prepareSocket(config);
  const daemonLogDir = join(config.stateDir, "daemon-log");
  // The daemon's log goes to stdout and to a rotated log that GetDaemonLogs serves.
  const logFile = new SegmentWriter({ dir: daemonLogDir, maxBytes: config.logMaxBytes, maxFiles: config.logMaxFiles, stderr: process.stderr });
  const log = pino({ level: config.logLevel, base: { pid: process.pid } }, pino.multistream([{ stream: process.stdout }, { stream: logFile }]));
  const store = Store.open(join(config.stateDir, "aurae.db"));
  const events = new EventLog({ store: store.events, retention: config.eventRetention });
  const audit = new AuditLog({ store: store.audit, retention: config.auditRetention });
  await emptyTrash(trashDir(config.stateDir));
  const mode = await probeCgroupMode(config.cgroupFsRoot);
  const cgroups = new UsageKeepingCgroups(await createCgroupDriver(mode, { fsRoot: config.cgroupFsRoot, root: config.cgroupRoot }), store.cells);
  await cgroups.init();
  log.info({ mode, root: config.cgroupRoot, ...cgroups.features() }, "cgroups ready");

  const certificates: NodeCertificates = new NodeCertificates({
    store: store.certificates,
    pkiDir: config.pkiDir,
    trustDomains: config.trustDomains,
    serverRotated: () => reloader.now(),
    revoked: () => gate.recheck(),
  });
  await certificates.adoptIssuedFiles();
  const cellSockets = new CellSockets({
    runtimeDir: config.runtimeDir,
    trustDomain: config.trustDomains[0]!,
    certificates,
    svidTtlMs: config.workloadSvidTtlMs,
    events,
    log: log.child({ area: "cells" }),
  });

  const locks = new KeyedMutex();
  const shim = new ShimClient(config.shimPath, { shimCgroupDirs: cgroups.dirs(SHIMS_CGROUP), launcher: { log: log.child({ area: "shims" }) } });
  shim.start(); // the shim launcher, in aurae.shims before the first start
  const cells: Cells = new Cells({
    cells: store.cells,
    executables: store.executables,
    cgroups,
    shim,
    spawnTimeoutMs: config.spawnTimeoutMs,
    stateRoot: config.stateDir,
    locks,
    events,
    atomically: (fn) => store.transaction(fn),
    workloads: () => executables,
    identities: cellSockets,
  });
  const executables: Executables = new Executables({
    store: store.executables,
    events,
    atomically: (fn) => store.transaction(fn),
    cells,
    cgroups,
    shim,
    locks,
    stateRoot: config.stateDir,
    logLimits: { maxBytes: config.logMaxBytes, maxFiles: config.logMaxFiles },
    spawnTimeoutMs: config.spawnTimeoutMs,
    log: log.child({ area: "executables" }),
  });
  const content = new ContentStore(join(config.stateDir, "images", "content"));
  const snapshots = new Snapshotter({ root: join(config.stateDir, "images", "snapshots"), content });
  await snapshots.removeTemps(); // what unpacks cut short by a crash left
  const registry = new RegistryClient(new RegistryHosts(await loadRegistryHosts(config)));
  const images = new Images({ store: store.images, content, snapshots, registry });
  events.record({ kind: "daemon.started", attributes: { pid: String(process.pid) } });
  await reconcileNode({
    cells,
    executables,
    cgroups,
    events,
    log: log.child({ area: "reconcile" }),
    keepLeftovers: config.keepLeftovers,
    newDatabase: store.isNew && !config.removeLeftovers,
  });

  const adminId = `spiffe://${config.trustDomains[0]}/admin`;
  // Reloads what security rests on while serving; a file that fails its checks leaves what is in force in place.
  const reloader = new Reloader(async () => {
    const fresh = await loadTrustMaterial(config.pkiDir, config.trustDomains);
    server.listeners.reload(fresh);
    connections.useBundles(fresh.bundles);
    authorizer.replace(await loadPolicy(config.policyPath, adminId));
    gate.recheck();
    log.info({ serverSerial: fresh.serverCertificate.serialNumber, trustDomains: [...fresh.bundles.keys()] }, "certificates, trust bundles and policy reloaded");
  }, log);
  const material = await loadTrustMaterial(config.pkiDir, config.trustDomains);
  const connections = new Connections(material.bundles);
  const authorizer = new Authorizer(await loadPolicy(config.policyPath, adminId), {
    revoked: (serial) => certificates.isRevoked(serial),
    implicitRules: cellIdentityRules(config.trustDomains[0]!),
    storedProcess: (cell, name) => {
      try {
        return executables.get(cell, name).spec;
      } catch (err) {
        if (isAuraeError(err, "not-found")) return undefined;
        throw err;
      }
    },
  });
  const gate = new CallGate({ connections, authorizer, limits: new CallLimits(config.callLimits), audit, log: log.child({ area: "api" }) });
  const server = await startServer(config, {
    services: [
      { definition: CellServiceService, implementation: cellService({ cells, log }) },
      { definition: ExecutableServiceService, implementation: executableService({ executables, log }) },
      { definition: ObserveServiceExact, implementation: observeService({ executables, daemonLogDir, log }) },
      { definition: EventServiceService, implementation: eventService({ events, log }) },
      { definition: PkiServiceService, implementation: pkiService({ certificates, connections, log }) },
      { definition: ImageServiceService, implementation: imageService({ images, log }) },
      { definition: AuditServiceExact, implementation: auditService({ audit, log }) },
      { definition: NodeServiceService, implementation: nodeService({ cgroupMode: mode, daemonLog: () => logFile.health, log }) },
    ],
    interceptors: [gate.interceptor],
    material,
    connections,
    log,
  });
  await cellSockets.serve(server.listeners);
  log.info({ socket: config.socketPath, tcpPort: server.tcpPort }, "auraed serving");

  // bundles/ exists from the start, so that a partner's bundle dropped in (or taken out) later is seen.
  await mkdir(join(config.pkiDir, BUNDLES_DIR), { recursive: true, mode: 0o755 });
  reloader.watch([config.pkiDir, join(config.pkiDir, BUNDLES_DIR), dirname(config.policyPath)]);
  process.on("SIGHUP", () => void reloader.now());

  const shutdown = async (signal: string): Promise<void> => {
    log.info({ signal, stopWorkloads: config.stopWorkloadsOnExit }, "shutting down");
    events.record({ kind: "daemon.stopped", attributes: { signal } });
    events.close(); // following watchers end with UNAVAILABLE instead of holding the shutdown for its grace period
    gate.close(); // its pending refusal summaries go to the audit log first
    audit.close();
    reloader.close();
    cellSockets.close();
    await server.close(SHUTDOWN_GRACE_MS);
    if (config.stopWorkloadsOnExit) await executables.stopEverything(10_000).catch((err: unknown) => log.error({ err }, "stopping workloads failed"));
    executables.close();
    await shim.close(); // the launcher goes; the shims it forked run on
    store.close();
    process.exit(0);
  };
  process.once("SIGTERM", (s) => void shutdown(s));
  process.once("SIGINT", (s) => void shutdown(s));
}

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
let config: DaemonConfig;
try {
  config = loadConfig(process.argv.slice(2), process.env);
} catch (err) {
  process.stderr.write(`auraed: ${(err as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
main(config).catch((err: unknown) => {
  process.stderr.write(`auraed: ${err instanceof AuraeError ? err.message : (err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
