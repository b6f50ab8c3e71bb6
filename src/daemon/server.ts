// The gRPC server: our services plus health and reflection, behind our own mutual-TLS listeners on the Unix socket
// and, unless disabled, on TCP.
import { mkdir, chmod, unlink, stat } from "node:fs/promises";
import { connect } from "node:net";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import { precondition } from "../errors.js";
import type { DaemonConfig } from "./config.js";
import type { Connections } from "./identity.js";
import { guardDeserializers, TRANSPORT_MAX_REQUEST_BYTES } from "./malformed.js";
import { HealthService, HealthStatuses, healthService, ServingStatus } from "./services/health.js";
import { reflectionService, ServerReflectionService, ServerReflectionV1alphaService } from "./services/reflection.js";
import { TlsListeners, parseTcpAddress } from "./tls/listeners.js";
import type { TrustMaterial } from "./tls/trust-material.js";

export interface ServiceBinding {
  readonly definition: grpc.ServiceDefinition;
  readonly implementation: grpc.UntypedServiceImplementation;
}

export interface ServerDeps {
  readonly services: readonly ServiceBinding[];
  readonly interceptors: readonly grpc.ServerInterceptor[];
  readonly material: TrustMaterial;
  readonly connections: Connections;
  readonly log: Logger;
}

export interface RunningServer {
  /** The TCP port bound, when TCP is on (useful with port 0). */
  readonly tcpPort: number | undefined;
  readonly listeners: TlsListeners;
  close(graceMs: number): Promise<void>;
}

/** Every request decoder is guarded, also those of the health and reflection services. */
class GuardedServer extends grpc.Server {
  override addService(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void {
    super.addService(guardDeserializers(definition), implementation);
  }
}

export async function startServer(config: DaemonConfig, deps: ServerDeps): Promise<RunningServer> {
  const server = new GuardedServer({
    interceptors: [...deps.interceptors],
    "grpc.max_receive_message_length": TRANSPORT_MAX_REQUEST_BYTES,
  });
  for (const { definition, implementation } of deps.services) server.addService(definition, implementation);
  const health = new HealthStatuses({ "": ServingStatus.SERVING });
  for (const { definition } of deps.services) health.set(serviceName(definition), ServingStatus.SERVING);
  server.addService(HealthService, healthService({ health, log: deps.log }));
  const reflection = reflectionService({ log: deps.log });
  server.addService(ServerReflectionService, reflection);
  server.addService(ServerReflectionV1alphaService, reflection);

  // TLS is ours (see tls/listeners.ts): grpc-js gets the decrypted connections.
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const listeners = new TlsListeners(
    deps.material,
    (socket, door) => {
      deps.connections.admit(socket, door);
      injector.injectConnection(socket);
    },
    config.connectionLimits,
    deps.log,
  );
  await listeners.listen({ kind: "unix", path: config.socketPath }, { name: "socket", scope: "*" });
  deps.log.info({ socket: config.socketPath }, "listening on the Unix socket");
  let tcpPort: number | undefined;
  if (config.tcpAddress) {
    tcpPort = await listeners.listen(parseTcpAddress(config.tcpAddress, "--tcp"), { name: "tcp", scope: "*" });
    deps.log.info({ address: config.tcpAddress, port: tcpPort }, "listening on TCP");
  }
  return {
    tcpPort,
    listeners,
    close: async (graceMs) => {
      for (const { definition } of deps.services) health.set(serviceName(definition), ServingStatus.NOT_SERVING);
      health.set("", ServingStatus.NOT_SERVING);
      listeners.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await unlink(config.socketPath).catch(() => undefined);
    },
  };
}

/**
 * The socket directory is ours (0700); a socket left by a dead auraed is removed, a live one is refused. main calls
 * it before touching the kernel, so a refused auraed changes nothing.
 */
export async function prepareSocket(config: DaemonConfig): Promise<void> {
  await mkdir(config.runtimeDir, { recursive: true, mode: 0o700 });
  await chmod(config.runtimeDir, 0o700);
  const existing = await stat(config.socketPath).catch(() => undefined);
  if (!existing) return;
  if (await isListening(config.socketPath))
    throw precondition(`another auraed is serving ${config.socketPath}: stop it, or use another --runtime-dir`);
  await unlink(config.socketPath);
}

function isListening(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The full service name ("aurae.cells.v1.CellService") from a method path of the definition. */
const serviceName = (definition: grpc.ServiceDefinition): string =>
  Object.values(definition)[0]!.path.split("/")[1]!;
