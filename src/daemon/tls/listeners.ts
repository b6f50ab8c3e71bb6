// auraed terminates TLS itself, on every listener, and hands the decrypted connections to grpc-js. Owning the
// handshake is what lets it swap certificates and trust bundles without dropping a connection, check each client's
// SVID once per connection instead of once per call, and know which door (socket) a connection came through.
import { chmod } from "node:fs/promises";
import type { Socket } from "node:net";
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { Logger } from "pino";
import { invalid, precondition } from "../../errors.js";
import type { CellScope } from "../authz/policy.js";
import { ConnectionCaps, type ConnectionLimitsConfig } from "./connection-caps.js";
import { certificateRefusal, HandshakeRefusalLog } from "./handshake-refusals.js";
import type { TrustMaterial } from "./trust-material.js";

/** A listener's identity: its name in logs and audit, and the cells a connection through it may reach. */
export interface Door {
  readonly name: string;
  readonly scope: CellScope;
}

export type ListenAddress = { readonly kind: "unix"; readonly path: string } | { readonly kind: "tcp"; readonly host: string; readonly port: number };

export class TlsListeners {
  readonly #servers = new Map<Server, Door>();
  readonly #sockets = new Map<Server, Set<TLSSocket>>();
  readonly #refusals: HandshakeRefusalLog;
  #material: TrustMaterial;

  constructor(
    material: TrustMaterial,
    private readonly onConnection: (socket: TLSSocket, door: Door) => void,
    private readonly limits: ConnectionLimitsConfig,
    private readonly log: Logger,
  ) {
    this.#material = material;
    this.#refusals = new HandshakeRefusalLog(log);
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
      handshakeTimeout: this.limits.handshakeTimeoutMs,
    });
    const sockets = new Set<TLSSocket>();
    this.#sockets.set(server, sockets);
    const caps = new ConnectionCaps(this.limits);
    const refused = (peer: string, reason: string, msg: string, tlsCode?: string): void =>
      this.#refusals.refused({ door: door.name, peer, ...(tlsCode !== undefined && { tlsCode }), reason, msg });
    server.on("connection", (raw: Socket) => {
      const counted = caps.accept(raw.remoteAddress);
      if (typeof counted === "string") {
        refused(raw.remoteAddress ?? "unix", counted, "connection refused");
        return raw.destroy();
      }
      raw.once("close", counted);
    });
    server.on("secureConnection", (socket: TLSSocket) => {
      sockets.add(socket);
      const release = caps.established(socket.remoteAddress);
      socket.once("close", () => {
        sockets.delete(socket);
        release();
      });
      if (socket.authorized) return this.onConnection(socket, door);
      const { reason, tlsCode } = certificateRefusal(socket, [...this.#material.bundles.values()].flat());
      refused(socket.remoteAddress ?? "unix", reason, "TLS handshake refused", tlsCode);
      socket.destroy();
    });
    server.on("tlsClientError", (err: NodeJS.ErrnoException, socket) => {
      const peer = socket.remoteAddress ?? "unix";
      // Node reports a handshake timeout here but leaves the socket open: a peer that never speaks would keep it.
      socket.destroy();
      // A peer that hangs up before a handshake (a liveness probe, a port scan) is no refusal worth a warning.
      if (err.code === "ECONNRESET" || err.message === "socket hang up") this.log.debug({ door: door.name, peer, reason: err.message }, "connection closed before TLS");
      else refused(peer, err.message, "TLS handshake refused");
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
    if (doorName === undefined) this.#refusals.close();
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
