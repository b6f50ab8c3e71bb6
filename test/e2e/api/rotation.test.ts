// The server certificate rotates while clients stay connected: an open `logs --follow` stream goes on, on the same
// connection, and every new connection is served the new certificate.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { connect as tlsConnect } from "node:tls";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";

const aurae = useDaemon();

/** The serial of the certificate the daemon presents to a new connection on its socket. */
async function servedSerial(): Promise<string> {
  const admin = aurae.pki.clientDir;
  const socket = tlsConnect({
    path: aurae.socketPath,
    servername: "localhost",
    ca: aurae.pki.ca.certPem,
    cert: await readFile(join(admin, "admin.crt")),
    key: await readFile(join(admin, "admin.key")),
    ALPNProtocols: ["h2"],
  });
  await new Promise<void>((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
  const serial = socket.getPeerX509Certificate()!.serialNumber;
  socket.destroy();
  return serial.toLowerCase().replace(/^0+/, "");
}

test("rotating the server certificate keeps a following log stream and serves new connections the new one", async (t) => {
  const cell = await cellForTest(aurae, t, "rotate");
  await aurae.client.executables.start({
    spec: { cellName: cell, name: "ticker", argv: ["/bin/sh", "-c", "i=0; while true; do echo $i; i=$((i+1)); sleep 0.02; done"] },
  });
  let reconnects = 0;
  const follower = await aurae.connect({ resume: { onReconnect: () => reconnects++ } });
  const before = await servedSerial();
  const numbers: number[] = [];
  let rotated: string | undefined;
  for await (const res of follower.observe.getLogs({ cellName: cell, executableName: "ticker", follow: true })) {
    numbers.push(...res.entries.map((e) => Number(Buffer.from(e.line).toString())));
    if (rotated === undefined && numbers.length >= 20) {
      const { certificate } = await aurae.client.pki.rotateServerCertificate({});
      rotated = certificate!.serial;
      assert.notEqual(rotated, before);
    }
    if (numbers.length >= 80) break;
  }
  // Every line once, in order, on the connection that was open before the rotation.
  assert.deepEqual(numbers, numbers.map((_, i) => i));
  assert.equal(reconnects, 0);
  assert.equal(await servedSerial(), rotated);
  const onDisk = new X509Certificate(await readFile(join(aurae.pki.configDir, "pki", "server.crt")));
  assert.equal(onDisk.serialNumber.toLowerCase().replace(/^0+/, ""), rotated);
  assert.equal(onDisk.subjectAltName, "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"); // names kept
  const { certificates } = await aurae.client.pki.listCertificates({});
  assert.ok(certificates.some((c) => c.serial === rotated && c.kind === "server"));
  await aurae.client.executables.stop({ cellName: cell, name: "ticker" });
});
