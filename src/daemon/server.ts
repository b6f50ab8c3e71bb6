// The listeners: one grpc-js server on a Unix socket and, unless disabled, on TCP, both mutual TLS only.
import { readFile, mkdir, chmod, unlink, stat } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import type { Logger } from "pino";
import { errnoCode, precondition } from "../errors.js";
import type { DaemonConfig } from "./config.js";

export interface ServiceBinding {
  readonly definition: grpc.ServiceDefinition;
  readonly implementation: grpc.UntypedServiceImplementation;
}

export interface ServerDeps {
  readonly services: readonly ServiceBinding[];
  readonly interceptors: readonly grpc.ServerInterceptor[];
  readonly log: Logger;
}

export interface RunningServer {
  /** The TCP port bound, when TCP is on (useful with port 0). */
  readonly tcpPort: number | undefined;
  close(graceMs: number): Promise<void>;
}

const PROTO_DIR = fileURLToPath(new URL("../../proto", import.meta.url));
const PROTO_FILES = [
  "aurae/cells/v1/cells.proto",
  "aurae/events/v1/events.proto",
  "aurae/executables/v1/executables.proto",
  "aurae/node/v1/node.proto",
  "aurae/observe/v1/observe.proto",
  "grpc/health/v1/health.proto",
];

export async function startServer(config: DaemonConfig, deps: ServerDeps): Promise<RunningServer> {
  const credentials = await serverCredentials(config.pkiDir);
  const server = new grpc.Server({ interceptors: [...deps.interceptors] });
  for (const { definition, implementation } of deps.services) server.addService(definition, implementation);
  const health = new HealthImplementation({ "": "SERVING" });
  for (const { definition } of deps.services) health.setStatus(serviceName(definition), "SERVING");
  health.addToServer(server);
  new ReflectionService(loadDescriptors()).addToServer(server);

  await prepareSocket(config);
  await bind(server, `unix:${config.socketPath}`, credentials);
  await chmod(config.socketPath, 0o600);
  deps.log.info({ socket: config.socketPath }, "listening on the Unix socket");
  let tcpPort: number | undefined;
  if (config.tcpAddress) {
    tcpPort = await bind(server, config.tcpAddress, credentials);
    deps.log.info({ address: config.tcpAddress, port: tcpPort }, "listening on TCP");
  }
  return {
    tcpPort,
    close: async (graceMs) => {
      for (const { definition } of deps.services) health.setStatus(serviceName(definition), "NOT_SERVING");
      health.setStatus("", "NOT_SERVING");
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

async function serverCredentials(pkiDir: string): Promise<grpc.ServerCredentials> {
  const read = async (name: string): Promise<Buffer> => {
    const path = join(pkiDir, name);
    try {
      return await readFile(path);
    } catch (err) {
      throw precondition(`read ${path}: ${errnoCode(err) ?? String(err)} (create a PKI with "aer pki init")`, { cause: err });
    }
  };
  const [ca, cert, key] = await Promise.all([read("ca.crt"), read("server.crt"), read("server.key")]);
  // checkClientCertificate: a client without a certificate chaining to our CA fails the handshake.
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], true);
}

/** The socket directory is ours (0700); a socket left by a dead auraed is removed, a live one is refused. */
async function prepareSocket(config: DaemonConfig): Promise<void> {
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

function bind(server: grpc.Server, address: string, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(address, credentials, (err, port) =>
      err ? reject(precondition(`listen on ${address}: ${err.message}`, { cause: err })) : resolve(port),
    ),
  );
}

/** The full service name ("aurae.cells.v1.CellService") from a method path of the definition. */
const serviceName = (definition: grpc.ServiceDefinition): string =>
  Object.values(definition)[0]!.path.split("/")[1]!;

function loadDescriptors(): protoLoader.PackageDefinition {
  return protoLoader.loadSync(PROTO_FILES, {
    includeDirs: [PROTO_DIR],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
}
