// Who is on each connection. The client's certificate chain is read once, when TLS completes, and checked against
// the X.509-SVID rules; calls then find their connection through the auth context grpc-js hands every call. A
// reload of the trust bundles re-checks open connections on their next call (a removed federation ends at once).
import { X509Certificate } from "node:crypto";
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from "node:tls";
import type { ServerInterceptingCallInterface } from "@grpc/grpc-js";
import { canonicalSerial } from "../pki/serial.js";
import { verifyClientSvid, type SvidVerdict, type TrustBundles } from "../pki/svid.js";
import type { Door } from "./tls/listeners.js";

type AuthContext = ReturnType<ServerInterceptingCallInterface["getAuthContext"]>;

export interface Connection {
  readonly door: Door;
  /** "unix" or the remote address. */
  readonly peer: string;
  readonly serial: string;
  readonly verdict: SvidVerdict;
  /** The SPIFFE ID the certificate was last verified to hold, still known once it expired: refusals name it. */
  readonly identity: string | undefined;
}

interface Entry {
  readonly chain: X509Certificate[];
  /** The leaf's end of validity: TLS checked it once, at the handshake; calls after it are refused. */
  readonly notAfterMs: number;
  readonly door: Door;
  readonly peer: string;
  readonly serial: string;
  verdict: SvidVerdict;
  identity: string | undefined;
  bundles: TrustBundles;
}

export class Connections {
  readonly #byCertificate = new WeakMap<PeerCertificate, Entry>();

  #bundles: TrustBundles;

  constructor(bundles: TrustBundles) {
    this.#bundles = bundles;
  }

  /** Trust bundles after a reload: each open connection is checked against them on its next call. */
  useBundles(bundles: TrustBundles): void {
    this.#bundles = bundles;
  }

  /** Records a connection that completed its handshake. */
  admit(socket: TLSSocket, door: Door): void {
    const peerCertificate = socket.getPeerCertificate(true);
    // grpc-js asks the socket for its peer certificate on every call, and Node would parse it anew each time: hand
    // it the one read here, which is also the key to this connection's entry.
    socket.getPeerCertificate = () => peerCertificate;
    const chain = chainOf(peerCertificate);
    const bundles = this.#bundles;
    const serial = chain[0] && canonicalSerial(chain[0].serialNumber);
    const verdict: SvidVerdict = serial === undefined ? { ok: false, reason: "client certificate has no usable serial number" } : verifyClientSvid(chain, bundles);
    this.#byCertificate.set(peerCertificate, {
      chain,
      notAfterMs: chain[0] ? Date.parse(chain[0].validTo) : 0,
      door,
      peer: socket.remoteAddress ?? "unix",
      serial: serial ?? "",
      verdict,
      identity: verdict.ok ? verdict.id.id : undefined,
      bundles,
    });
  }

  /** The connection a call came on; undefined for one this registry never admitted. */
  of(auth: AuthContext): Connection | undefined {
    const certificate = auth.sslPeerCertificate;
    const entry = certificate && this.#byCertificate.get(certificate);
    if (!entry) return undefined;
    const bundles = this.#bundles;
    if (entry.bundles !== bundles && entry.serial !== "") {
      entry.verdict = verifyClientSvid(entry.chain, bundles);
      if (entry.verdict.ok) entry.identity = entry.verdict.id.id;
      entry.bundles = bundles;
    }
    if (entry.verdict.ok && Date.now() > entry.notAfterMs)
      entry.verdict = { ok: false, reason: `client certificate expired at ${new Date(entry.notAfterMs).toISOString()}: reconnect with a current one` };
    return entry;
  }
}

/** The peer's chain as TLS verified it, leaf first; Node links each certificate to its issuer, a root to itself. */
function chainOf(leaf: DetailedPeerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  for (let cert: DetailedPeerCertificate | undefined = leaf; cert?.raw && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256);
    chain.push(new X509Certificate(cert.raw));
  }
  return chain;
}
