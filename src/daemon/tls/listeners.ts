// auraed terminates TLS itself, on every listener, and hands the decrypted connections to grpc-js. Owning the
// handshake is what lets it swap certificates and trust bundles without dropping a connection, check each client's
// SVID once per connection instead of once per call, and know which door (socket) a connection came through.
import { chmod } from "node:fs/promises";
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { Logger } from "pino";
import { invalid, precondition } from "../../errors.js";
import type { CellScope } from "../authz/policy.js";
import type { TrustMaterial } from "./trust-material.js";

/** A listener's identity: its name in logs and audit, and the cells a connection through it may reach. */
export interface Door {
  readonly name: string;
  readonly scope: CellScope;
}

export type ListenAddress = { readonly kind: "unix"; readonly path: string } | { readonly kind: "tcp"; readonly host: string; readonly port: number };

/** A client that has not finished its handshake by then is dropped. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export class TlsListeners {
  readonly #servers = new Map<Server, Door>();
  readonly #sockets = new Map<Server, Set<TLSSocket>>();
  #material: TrustMaterial;

  constructor(
    material: TrustMaterial,
    private readonly onConnection: (socket: TLSSocket, door: Door) => void,
    private readonly log: Logger,
  ) {
    this.#material = material;
  }

  get material(): TrustMaterial {
    return this.#material;
  }

  /** Listens on `address`; answers the TCP port bound (useful with port 0). */
  async listen(address: ListenAddress, door: Door): Promise<number | undefined> {
    const server = createServer({
      ...contextOptions(this.#material),
      requestCert: true,
      // Checked in secureConnection instead, where the reason (an expired certificate, an unknown CA) is known:
      // Node would drop the connection without saying why.
      rejectUnauthorized: false,
      ALPNProtocols: ["h2"],
      minVersion: "TLSv1.2",
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    });
    const sockets = new Set<TLSSocket>();
    this.#sockets.set(server, sockets);
    server.on("secureConnection", (socket: TLSSocket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      if (socket.authorized) return this.onConnection(socket, door);
      this.log.warn({ door: door.name, peer: socket.remoteAddress ?? "unix", reason: `client certificate: ${String(socket.authorizationError)}` }, "TLS handshake refused");
      socket.destroy();
    });
    server.on("tlsClientError", (err: NodeJS.ErrnoException, socket) => {
      const fields = { door: door.name, peer: socket.remoteAddress ?? "unix", reason: err.message };
      // A peer that hangs up before a handshake (a liveness probe, a port scan) is no refusal worth a warning.
      if (err.code === "ECONNRESET" || err.message === "socket hang up") this.log.debug(fields, "connection closed before TLS");
      else this.log.warn(fields, "TLS handshake refused");
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err) => reject(precondition(`listen on ${describe(address)}: ${err.message}`, { cause: err })));
      if (address.kind === "unix") server.listen(address.path, resolve);
      else server.listen({ host: address.host, port: address.port, ipv6Only: false }, resolve);
    });
    if (address.kind === "unix") await chmod(address.path, 0o600);
    this.#servers.set(server, door);
    const bound = server.address();
    return typeof bound === "object" && bound !== null ? bound.port : undefined;
  }

  /** New handshakes use `material`; established connections keep what they negotiated. */
  reload(material: TrustMaterial): void {
    for (const server of this.#servers.keys()) server.setSecureContext(contextOptions(material));
    this.#material = material;
  }

  /**
   * Stops accepting on the listener of `doorName`, or on all. Connections already open are grpc-js's to end (it
   * drains them on shutdown; waiting for them here would hold a shutdown for as long as any client stays), unless
   * `dropOpen`: a door that goes away (a freed cell's) takes its connections with it.
   */
  close(doorName?: string, dropOpen = false): void {
    for (const [server, door] of this.#servers) {
      if (doorName !== undefined && door.name !== doorName) continue;
      this.#servers.delete(server);
      server.close();
      if (dropOpen) for (const socket of this.#sockets.get(server) ?? []) socket.destroy();
      this.#sockets.delete(server);
    }
  }
}

const contextOptions = (material: TrustMaterial) => ({ ca: material.ca, cert: material.cert, key: material.key });

/** "[::]:8080", "[::1]:0", "0.0.0.0:8080" or "node-1:8080". */
export function parseTcpAddress(text: string, field: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw invalid(field, `must be host:port or [ipv6]:port, got "${text}"`);
  return { kind: "tcp", host: match[1] ?? match[2]!, port };
}

const describe = (address: ListenAddress): string =>
  address.kind === "unix" ? address.path : `[${address.host}]:${address.port}`;
