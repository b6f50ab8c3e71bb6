// Before its handshake a connection is anyone's: each holds a descriptor, and auraed has a limited number. So a
// listener caps the connections still in their handshake, in total and per peer address, and the connections one
// peer address holds open, authenticated or not; past a cap, a new connection is closed at once. A Unix socket's
// peers have no address: only the listener's total applies to them.

export interface ConnectionLimitsConfig {
  /** A connection whose TLS handshake has not finished by then is closed. */
  readonly handshakeTimeoutMs: number;
  /** Per listener: connections still in their TLS handshake. */
  readonly maxHandshakes: number;
  /** Per peer address: connections still in their TLS handshake. */
  readonly maxHandshakesPerPeer: number;
  /** Per peer address: connections open, in their handshake or past it. */
  readonly maxConnectionsPerPeer: number;
}

interface Counts {
  /** Connections accepted and not yet closed. */
  open: number;
  /** Of those, the ones past their handshake. */
  established: number;
}

/** One listener's counts. Handshaking = open - established, so no connection needs to be matched to its TLS socket. */
export class ConnectionCaps {
  readonly #total: Counts = { open: 0, established: 0 };
  readonly #peers = new Map<string, Counts>();

  constructor(private readonly limits: ConnectionLimitsConfig) {}

  /** Counts a new connection from `peer` (undefined: a Unix socket's); answers its release, or why it is refused. */
  accept(peer: string | undefined): (() => void) | string {
    const { maxHandshakes, maxHandshakesPerPeer, maxConnectionsPerPeer } = this.limits;
    if (handshaking(this.#total) >= maxHandshakes)
      return `${handshaking(this.#total)} connections of this listener are in their TLS handshake (at most ${maxHandshakes}, --max-handshakes)`;
    const counts = peer === undefined ? undefined : this.#peers.get(peer);
    if (counts && handshaking(counts) >= maxHandshakesPerPeer)
      return `${peer} has ${handshaking(counts)} connections in their TLS handshake (at most ${maxHandshakesPerPeer}, --max-handshakes-per-peer)`;
    if (counts && counts.open >= maxConnectionsPerPeer)
      return `${peer} has ${counts.open} connections open (at most ${maxConnectionsPerPeer}, --max-connections-per-peer)`;
    return this.#count(peer, "open");
  }

  /** Counts a connection of `peer` past its handshake; answers its release, for when it closes. */
  established(peer: string | undefined): () => void {
    return this.#count(peer, "established");
  }

  #count(peer: string | undefined, field: keyof Counts): () => void {
    let counts: Counts | undefined;
    if (peer !== undefined) {
      counts = this.#peers.get(peer) ?? { open: 0, established: 0 };
      this.#peers.set(peer, counts);
      counts[field] += 1;
    }
    this.#total[field] += 1;
    let counted = true;
    return () => {
      if (!counted) return;
      counted = false;
      this.#total[field] -= 1;
      if (!counts || peer === undefined) return;
      counts[field] -= 1;
      if (counts.open <= 0 && counts.established <= 0 && this.#peers.get(peer) === counts) this.#peers.delete(peer);
    };
  }
}

// The close of a connection and of its TLS socket come in either order: never below zero in between.
const handshaking = (counts: Counts): number => Math.max(0, counts.open - counts.established);
