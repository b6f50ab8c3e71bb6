// Why a client failed TLS, for the daemon log, and how often to say it. Anyone who reaches the TCP port can fail a
// handshake, so the log gets the first refusals of each peer per window one by one and the rest as one line when
// the window closes. OpenSSL's code alone misleads: a client that sent no certificate reads as
// UNABLE_TO_GET_ISSUER_CERT, a chain through an issuer that is no CA as UNSPECIFIED; the reason says what it is.
import type { X509Certificate } from "node:crypto";
import type { TLSSocket } from "node:tls";
import type { Logger } from "pino";
import { WindowCoalescer } from "../window-coalescer.js";

export interface HandshakeRefusal {
  readonly door: string;
  /** "unix" or the remote address. */
  readonly peer: string;
  readonly reason: string;
  /** OpenSSL's verification code, when there is one. */
  readonly tlsCode?: string;
  /** The log message: "TLS handshake refused" or "connection refused". */
  readonly msg: string;
}

export interface HandshakeRefusalLogOptions {
  /** Refusals of one peer logged one by one per window. */
  readonly perWindow?: number;
  readonly windowMs?: number;
}

export class HandshakeRefusalLog {
  readonly #coalescer: WindowCoalescer<HandshakeRefusal>;

  constructor(log: Logger, options: HandshakeRefusalLogOptions = {}) {
    const windowMs = options.windowMs ?? 60_000;
    this.#coalescer = new WindowCoalescer<HandshakeRefusal>({
      perWindow: options.perWindow ?? 10,
      windowMs,
      keyOf: (refusal) => `${refusal.door} ${refusal.peer}`,
      pass: ({ msg, ...fields }) => log.warn(fields, msg),
      summarise: ({ door, peer, reason }, suppressed) =>
        log.warn({ door, peer, suppressed, windowSeconds: windowMs / 1000, lastReason: reason }, "more TLS handshakes and connections refused, not logged one by one"),
    });
  }

  refused(refusal: HandshakeRefusal): void {
    this.#coalescer.add(refusal);
  }

  close(): void {
    this.#coalescer.close();
  }
}

/** Why TLS did not authorize the client certificate of `socket`, checked against `anchors`. */
export function certificateRefusal(socket: TLSSocket, anchors: readonly X509Certificate[]): { reason: string; tlsCode: string } {
  const tlsCode = String(socket.authorizationError);
  const leaf = socket.getPeerX509Certificate();
  if (!leaf) return { reason: "no client certificate", tlsCode };
  if (!UNKNOWN_ISSUER.has(tlsCode)) return { reason: `client certificate: ${tlsCode}`, tlsCode };
  const subject = oneLine(leaf.subject);
  const issuer = oneLine(leaf.issuer);
  const named = anchors.find((anchor) => leaf.checkIssued(anchor));
  if (named && !leaf.verify(named.publicKey))
    return { reason: `client certificate ${subject} names the trust anchor ${issuer} as its issuer, but that anchor did not sign it`, tlsCode };
  if (named) return { reason: `client certificate ${subject}: its chain to the trust anchor ${issuer} does not verify (${tlsCode})`, tlsCode };
  return {
    reason: `client certificate ${subject} is issued by ${issuer}, which is not a trust anchor, and no CA certificate sent with it leads to one (an intermediate that is not a CA, or none sent)`,
    tlsCode,
  };
}

/** OpenSSL's codes for a chain it could not build to an anchor; which link failed is worked out here. */
const UNKNOWN_ISSUER = new Set(["UNSPECIFIED", "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"]);

const oneLine = (name: string): string => name.replaceAll("\n", ", ");
