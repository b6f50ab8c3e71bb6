import assert from "node:assert/strict";
import { test } from "node:test";
import { ConnectionCaps } from "../../../../src/daemon/tls/connection-caps.js";

const limits = { handshakeTimeoutMs: 1000, maxHandshakes: 4, maxHandshakesPerPeer: 2, maxConnectionsPerPeer: 3 };

/** Accepts a connection, failing the test if it is refused. */
function accept(caps: ConnectionCaps, peer: string | undefined): () => void {
  const counted = caps.accept(peer);
  assert.equal(typeof counted, "function", `refused: ${String(counted)}`);
  return counted as () => void;
}

test("refuses a peer's handshake past its cap, naming the peer and the flag, while other peers get in", () => {
  const caps = new ConnectionCaps(limits);
  accept(caps, "::1");
  const second = accept(caps, "::1");
  assert.match(String(caps.accept("::1")), /^::1 has 2 connections in their TLS handshake \(at most 2, --max-handshakes-per-peer\)$/);
  accept(caps, "10.0.0.1");
  second();
  accept(caps, "::1"); // a closed connection frees its place
});

test("a connection past its handshake frees a handshake place but still counts toward the peer's connections", () => {
  const caps = new ConnectionCaps(limits);
  for (let i = 0; i < 3; i++) {
    accept(caps, "::1");
    caps.established("::1");
  }
  assert.match(String(caps.accept("::1")), /^::1 has 3 connections open \(at most 3, --max-connections-per-peer\)$/);
});

test("caps the listener's handshakes in total, Unix socket peers included, whose only cap it is", () => {
  const caps = new ConnectionCaps(limits);
  const closes = [accept(caps, undefined), accept(caps, undefined), accept(caps, undefined), accept(caps, "::1")];
  assert.match(String(caps.accept("10.0.0.2")), /4 connections of this listener are in their TLS handshake \(at most 4, --max-handshakes\)/);
  closes[0]!();
  closes[0]!(); // a release counts once
  accept(caps, undefined);
  assert.equal(typeof caps.accept(undefined), "string");
});

test("counts right whichever of a connection and its TLS socket closes first", () => {
  const caps = new ConnectionCaps(limits);
  const closeRaw = accept(caps, "::1");
  const closeTls = caps.established("::1");
  closeRaw();
  closeTls();
  accept(caps, "::1");
  accept(caps, "::1");
  assert.equal(typeof caps.accept("::1"), "string", "back to exactly two handshakes of ::1");
});
