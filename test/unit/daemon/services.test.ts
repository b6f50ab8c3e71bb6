// Every RPC of every generated Aurae service has a handler, and no handler answers an RPC the API lacks (the
// services' analogue of style.md 6, "checked against the API").
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { UntypedServiceImplementation } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { Cells } from "../../../src/domain/cells/cells.js";
import type { Executables } from "../../../src/domain/executables/executables.js";
import { auditService } from "../../../src/daemon/services/audit.js";
import { cellService } from "../../../src/daemon/services/cells.js";
import { executableService } from "../../../src/daemon/services/executables.js";
import { observeService } from "../../../src/daemon/services/observe.js";
import { eventService } from "../../../src/daemon/services/events.js";
import { nodeService } from "../../../src/daemon/services/node.js";
import { pkiService } from "../../../src/daemon/services/pki.js";
import { imageService } from "../../../src/daemon/services/images.js";
import type { Images } from "../../../src/domain/images/images.js";
import type { Connections } from "../../../src/daemon/identity.js";
import type { NodeCertificates } from "../../../src/domain/pki/node-certificates.js";
import type { AuditLog } from "../../../src/domain/audit/audit-log.js";
import type { EventLog } from "../../../src/domain/events/event-log.js";

const GEN_AURAE = fileURLToPath(new URL("../../../src/gen/aurae/", import.meta.url));

interface MethodDefinition {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

// Building a service only wraps functions: no dependency is touched until a call arrives, so stubs do.
const deps = { cells: {} as Cells, executables: {} as Executables, daemonLogDir: "/nonexistent", log: {} as Logger };

/** The implementation of each generated service definition, by its exported name. */
const IMPLEMENTATIONS: Readonly<Record<string, UntypedServiceImplementation>> = {
  CellServiceService: cellService(deps),
  ExecutableServiceService: executableService(deps),
  ObserveServiceService: observeService(deps),
  EventServiceService: eventService({ ...deps, events: {} as EventLog }),
  NodeServiceService: nodeService({ ...deps, cgroupMode: "v2", daemonLog: () => ({ linesLost: 0 }) }),
  AuditServiceService: auditService({ ...deps, audit: {} as AuditLog }),
  PkiServiceService: pkiService({ ...deps, certificates: {} as NodeCertificates, connections: {} as Connections }),
  ImageServiceService: imageService({ ...deps, images: {} as Images }),
};

/** Every `*Service` definition exported by a module under src/gen/aurae/, by name. */
async function generatedServices(): Promise<Map<string, Record<string, MethodDefinition>>> {
  const files = (await readdir(GEN_AURAE, { recursive: true })).filter((f) => f.endsWith(".ts"));
  const services = new Map<string, Record<string, MethodDefinition>>();
  for (const file of files) {
    const module = (await import(pathToFileURL(join(GEN_AURAE, file)).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module))
      if (name.endsWith("ServiceService") && typeof value === "object" && value !== null)
        services.set(name, value as Record<string, MethodDefinition>);
  }
  return services;
}

test("finds the audit, cell, executable, observe, event, image, node and pki services in the generated code", async () => {
  assert.deepEqual([...(await generatedServices()).keys()].sort(), [
    "AuditServiceService",
    "CellServiceService",
    "EventServiceService",
    "ExecutableServiceService",
    "ImageServiceService",
    "NodeServiceService",
    "ObserveServiceService",
    "PkiServiceService",
  ]);
});

test("has a service factory for every generated service, and none for a service the API lacks", async () => {
  assert.deepEqual([...(await generatedServices()).keys()].sort(), Object.keys(IMPLEMENTATIONS).sort());
});

test("implements every RPC of every service, and nothing else", async () => {
  for (const [name, definition] of await generatedServices()) {
    const implementation = IMPLEMENTATIONS[name];
    assert.ok(implementation, `no implementation of ${name}`);
    assert.deepEqual(Object.keys(implementation).sort(), Object.keys(definition).sort(), name);
  }
});

test("answers a server-streaming RPC with a stream handler and a unary RPC with a unary handler", async () => {
  for (const [name, definition] of await generatedServices()) {
    for (const [method, { path, requestStream, responseStream }] of Object.entries(definition)) {
      assert.equal(requestStream, false, `${path}: the daemon has no helper for client streams`);
      const handler = IMPLEMENTATIONS[name]?.[method];
      assert.equal(typeof handler, "function", path);
      // grpc-js calls a unary handler with (call, callback) and a server-streaming one with (call).
      assert.equal((handler as (...args: unknown[]) => unknown).length, responseStream ? 1 : 2, path);
    }
  }
});
