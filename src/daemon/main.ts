#!/usr/bin/env node
// auraed's composition root: the only place that reads argv and the environment and builds long-lived objects.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import { Cells } from "../domain/cells/cells.js";
import { Executables } from "../domain/executables/executables.js";
import { trashDir } from "../domain/executables/layout.js";
import { KeyedMutex } from "../domain/keyed-mutex.js";
import { AuraeError } from "../errors.js";
import { CellServiceService } from "../gen/aurae/cells/v1/cells.js";
import { ExecutableServiceService } from "../gen/aurae/executables/v1/executables.js";
import { ObserveServiceService } from "../gen/aurae/observe/v1/observe.js";
import { createCgroupDriver } from "../runtime/cgroups/create-driver.js";
import { probeCgroupMode } from "../runtime/cgroups/probe.js";
import { emptyTrash } from "../runtime/discard-dir.js";
import { ShimClient } from "../runtime/shim/shim-client.js";
import { Store } from "../store/store.js";
import { loadConfig, USAGE, type DaemonConfig } from "./config.js";
import { IdentityResolver } from "./identity.js";
import { identityInterceptor } from "./interceptors.js";
import { startServer } from "./server.js";
import { cellService } from "./services/cells.js";
import { executableService } from "./services/executables.js";
import { observeService } from "./services/observe.js";

const SHUTDOWN_GRACE_MS = 5000;

async function main(config: DaemonConfig): Promise<void> {
  const log = pino({ level: config.logLevel, base: { pid: process.pid } });
  await mkdir(config.stateDir, { recursive: true, mode: 0o700 });
  const store = Store.open(join(config.stateDir, "aurae.db"));
  await emptyTrash(trashDir(config.stateDir));
  const mode = await probeCgroupMode(config.cgroupFsRoot);
  const cgroups = await createCgroupDriver(mode, { fsRoot: config.cgroupFsRoot, root: config.cgroupRoot });
  await cgroups.init();
  log.info({ mode, root: config.cgroupRoot }, "cgroups ready");

  const locks = new KeyedMutex();
  const shim = new ShimClient(config.shimPath);
  const cells: Cells = new Cells({
    cells: store.cells,
    executables: store.executables,
    cgroups,
    shim,
    stateRoot: config.stateDir,
    locks,
    workloads: () => executables,
  });
  const executables: Executables = new Executables({
    store: store.executables,
    cells,
    cgroups,
    shim,
    locks,
    stateRoot: config.stateDir,
    log: log.child({ area: "executables" }),
  });
  executables.recover();

  const server = await startServer(config, {
    services: [
      { definition: CellServiceService, implementation: cellService({ cells, log }) },
      { definition: ExecutableServiceService, implementation: executableService({ executables, log }) },
      { definition: ObserveServiceService, implementation: observeService({ executables, log }) },
    ],
    interceptors: [identityInterceptor(new IdentityResolver(new Set(config.trustDomains)), log.child({ area: "api" }))],
    log,
  });
  log.info({ socket: config.socketPath, tcpPort: server.tcpPort }, "auraed serving");

  const shutdown = async (signal: string): Promise<void> => {
    log.info({ signal }, "shutting down; workloads keep running");
    await server.close(SHUTDOWN_GRACE_MS);
    executables.close();
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
