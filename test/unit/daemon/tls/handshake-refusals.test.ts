import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { pino } from "pino";
import { HandshakeRefusalLog } from "../../../../src/daemon/tls/handshake-refusals.js";

/** A logger writing synchronously into an array of parsed lines. */
function capture(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino(sink), lines };
}

test("logs each peer's first refusals one by one and the rest as one warning with the count and the last reason", async () => {
  const { log, lines } = capture();
  const refusals = new HandshakeRefusalLog(log, { perWindow: 2, windowMs: 60_000 });
  for (let i = 0; i < 5; i++) refusals.refused({ door: "tcp", peer: "2001:db8::1", reason: `try ${i}`, msg: "TLS handshake refused" });
  refusals.refused({ door: "tcp", peer: "2001:db8::2", reason: "no client certificate", msg: "TLS handshake refused" });
  refusals.close();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    lines.map(({ msg, peer, reason, suppressed, lastReason }) => ({ msg, peer, reason, suppressed, lastReason })),
    [
      { msg: "TLS handshake refused", peer: "2001:db8::1", reason: "try 0", suppressed: undefined, lastReason: undefined },
      { msg: "TLS handshake refused", peer: "2001:db8::1", reason: "try 1", suppressed: undefined, lastReason: undefined },
      { msg: "TLS handshake refused", peer: "2001:db8::2", reason: "no client certificate", suppressed: undefined, lastReason: undefined },
      { msg: "more TLS handshakes and connections refused, not logged one by one", peer: "2001:db8::1", reason: undefined, suppressed: 3, lastReason: "try 4" },
    ],
  );
  assert.ok(lines.every((line) => line.level === 40), "every line is a warning");
});
