// Connections before authentication are anyone's: each costs auraed a descriptor, and refusing one writes a log
// line. They are closed at the handshake timeout, capped per listener and per peer address, logged at a bounded rate
// with plain reasons, and a request grpc-js itself refuses for its size is still audited.
import assert from "node:assert/strict";
import { once } from "node:events";
import { readdir, readFile, readlink } from "node:fs/promises";
import { connect as netConnect, type Socket } from "node:net";
import { test } from "node:test";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import * as grpc from "@grpc/grpc-js";
import { AuraeClientError } from "../../../src/client/index.js";
import { createCa, issueClientCert, type Pem } from "../../../src/pki/index.js";
import { EC_P256, generateKeyPair, privateKeyDer, privateKeyToPem } from "../../../src/pki/keys.js";
import { crypto, x509 } from "../../../src/pki/x509.js";
import { useDaemon } from "../../helpers/daemon.js";
import { sleep } from "../../helpers/executables.js";
import { TRUST_DOMAIN } from "../../helpers/pki.js";

const HANDSHAKE_TIMEOUT_MS = 3000;
const MAX_HANDSHAKES = 8;
const PER_PEER = 4;
const aurae = useDaemon({
  tcp: true,
  args: ["--handshake-timeout", `${HANDSHAKE_TIMEOUT_MS}ms`, "--max-handshakes", String(MAX_HANDSHAKES), "--max-handshakes-per-peer", String(PER_PEER)],
});

type Target = { readonly path: string } | { readonly host: string; readonly port: number };
const unix = (): Target => ({ path: aurae.socketPath });
const tcp = (): Target => ({ host: "::1", port: aurae.tcpPort! });

/** A connection that never says a word, as `s = socket(); connect(); recv(1)` makes. */
async function idleConnection(target: Target): Promise<Socket> {
  const socket = netConnect(target);
  socket.on("error", () => undefined);
  socket.resume(); // recv: reading is how a closed connection is noticed
  await once(socket, "connect");
  return socket;
}

/** A TLS handshake with `client`'s chain (or none), to its end, whichever way it ends. */
async function handshake(target: Target, client?: { certPem: string; keyPem: string }): Promise<void> {
  const options: ConnectionOptions = { ...target, ca: aurae.pki.ca.certPem, servername: "localhost", ALPNProtocols: ["h2"], ...(client && { cert: client.certPem, key: client.keyPem }) };
  const socket = tlsConnect(options);
  socket.on("error", () => undefined); // a refusal is the point; once() would reject on it
  socket.resume();
  await new Promise((resolve) => socket.once("close", resolve));
}

const fdCount = async (): Promise<number> => (await readdir(`/proc/${aurae.pid}/fd`)).length;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = HANDSHAKE_TIMEOUT_MS + 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

interface LogLine {
  readonly msg: string;
  readonly door?: string;
  readonly peer?: string;
  readonly reason?: string;
}

const logLines = async (): Promise<LogLine[]> =>
  (await aurae.log()).split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as LogLine);

/** Refusal lines logged so far for a door and peer. */
const refusalLines = async (door: string, peer: string): Promise<LogLine[]> =>
  (await logLines()).filter((l) => l.door === door && l.peer === peer && (l.msg === "TLS handshake refused" || l.msg === "connection refused"));

/** A chain an outsider could build from a client certificate of ours: a leaf it signed with that (non-CA) key. */
async function chainThroughNonCa(ca: Pem): Promise<{ certPem: string; keyPem: string }> {
  const mid = await issueClientCert(ca, { spiffeId: `spiffe://${TRUST_DOMAIN}/workloads/mid` });
  const midKey = await crypto.subtle.importKey("pkcs8", privateKeyDer(mid.keyPem, "key"), EC_P256, false, ["sign"]);
  const keys = await generateKeyPair();
  const leaf = await x509.X509CertificateGenerator.create(
    {
      serialNumber: "0c0ffee1",
      subject: "CN=leaf",
      issuer: new x509.X509Certificate(mid.certPem).subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingKey: midKey,
      publicKey: keys.publicKey,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: "url", value: `spiffe://${TRUST_DOMAIN}/admin` }])],
    },
    crypto,
  );
  return { certPem: `${leaf.toString("pem")}\n${mid.certPem}`, keyPem: await privateKeyToPem(keys.privateKey) };
}

test("the daemon log says a client sent no certificate, and names an issuer that is not a CA or unknown", async () => {
  await handshake(unix());
  await handshake(unix(), await chainThroughNonCa(aurae.pki.ca));
  await handshake(unix(), await issueClientCert(await createCa({ commonName: "some other CA" }), { spiffeId: `spiffe://${TRUST_DOMAIN}/admin` }));
  await until("the refusals are logged", async () => (await refusalLines("socket", "unix")).length >= 3);
  const [noCertificate, nonCa, unknownCa] = (await refusalLines("socket", "unix")).map((l) => l.reason ?? "");
  assert.equal(noCertificate, "no client certificate");
  assert.match(nonCa!, /^client certificate CN=leaf is issued by CN=mid, which is not a trust anchor, .*not a CA/);
  assert.match(unknownCa!, /^client certificate CN=admin is issued by CN=some other CA, which is not a trust anchor/);
});

test("connections that never finish a handshake are closed at the timeout, and their descriptors go", async () => {
  const before = await fdCount();
  const idle = [
    ...(await Promise.all(Array.from({ length: 3 }, () => idleConnection(unix())))),
    ...(await Promise.all(Array.from({ length: PER_PEER }, () => idleConnection(tcp())))),
  ];
  try {
    await until("the daemon holds a descriptor for each", async () => (await fdCount()) >= before + idle.length);
    await until("the daemon has closed every one", async () => idle.every((c) => c.closed));
    await until("their descriptors are closed", async () => (await fdCount()) <= before);
  } finally {
    for (const c of idle) c.destroy();
  }
});

/**
 * Fills a cap with idle connections to `target`; the next one must be closed at once while those stay open, the
 * admin must still get in through `admin`, and the log must name the cap.
 */
async function checkCap(target: Target, cap: number, logged: { door: string; peer: string; reason: RegExp }, admin: () => Promise<unknown>): Promise<void> {
  const idle = await Promise.all(Array.from({ length: cap }, () => idleConnection(target)));
  try {
    const extra = await idleConnection(target);
    await until("the daemon closes the one past the cap", async () => extra.closed, HANDSHAKE_TIMEOUT_MS / 2);
    assert.ok(idle.every((c) => !c.closed), "the connections within the cap are still open");
    await admin();
    await until("the refusal is logged naming the cap", async () =>
      (await refusalLines(logged.door, logged.peer)).some((l) => l.msg === "connection refused" && logged.reason.test(l.reason ?? "")),
    );
  } finally {
    for (const c of idle) c.destroy();
  }
}

test("past the per-listener cap a new connection is closed at once, and the admin still gets in through TCP", async () => {
  await checkCap(unix(), MAX_HANDSHAKES, { door: "socket", peer: "unix", reason: /in their TLS handshake \(at most 8, --max-handshakes\)/ }, async () => {
    const tcpAdmin = await aurae.connect({ address: `[::1]:${aurae.tcpPort}`, serverName: "localhost" });
    await tcpAdmin.cells.list({});
  });
});

test("past the per-peer cap a new connection from that address is closed at once, and the admin still gets in", async () => {
  await checkCap(tcp(), PER_PEER, { door: "tcp", peer: "::1", reason: /::1 has 4 connections in their TLS handshake .*--max-handshakes-per-peer/ }, () =>
    aurae.client.cells.list({}), // over the Unix socket
  );
});

test("a flood of bad handshakes from one address is logged a bounded number of times", async () => {
  const flood = 40;
  for (let i = 0; i < flood; i++) await handshake(tcp());
  await aurae.client.cells.list({}); // the daemon is still serving
  await sleep(500); // pino writes asynchronously
  const lines = await refusalLines("tcp", "::1");
  assert.ok(lines.length > 0, "the flood's refusals are logged");
  assert.ok(lines.length <= 10, `${lines.length} refusal lines for one peer within a minute, at most 10 expected`);
});

/** The abstract Unix sockets auraed listens on (its instance locks), as "\0name" addresses. */
async function abstractListeners(): Promise<string[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${aurae.pid}/fd`)) {
    const link = await readlink(`/proc/${aurae.pid}/fd/${fd}`).catch(() => "");
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode) inodes.add(inode);
  }
  // /proc/net/unix: Num RefCount Protocol Flags Type St Inode Path; flags 00010000 is a listening socket.
  return (await readFile("/proc/net/unix", "utf8"))
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[3] === "00010000" && inodes.has(f[6] ?? "") && f[7]?.startsWith("@"))
    .map((f) => `\0${f[7]!.slice(1).replace(/@+$/, "")}`); // Node pads the name with NULs, which this file shows as @
}

test("a connection to auraed's instance lock, an abstract socket anyone on the host can reach, is closed at once", async () => {
  const locks = await abstractListeners();
  assert.ok(locks.length > 0, "auraed holds its state directory's lock");
  const before = await fdCount();
  const idle = await Promise.all(locks.flatMap((lock) => Array.from({ length: 5 }, () => idleConnection({ path: lock }))));
  try {
    await until("the daemon has closed every one", async () => idle.every((c) => c.closed), 5000);
    await until("no descriptor is left for them", async () => (await fdCount()) <= before);
  } finally {
    for (const c of idle) c.destroy();
  }
});

test("a request over grpc-js's own 16 MiB limit is RESOURCE_EXHAUSTED and audited with its caller and method", async () => {
  const huge = "x".repeat(17 * 1024 * 1024);
  await assert.rejects(aurae.client.cells.get({ name: huge }), (err: unknown) => err instanceof AuraeClientError && err.grpcCode === grpc.status.RESOURCE_EXHAUSTED && /more than the 4194304/.test(err.message));
  const { entries } = await aurae.client.audit.list({ pageSize: 1000, filter: { method: "/aurae.cells.v1.CellService/Get" } });
  const refused = entries.filter((e) => e.code === "RESOURCE_EXHAUSTED");
  assert.equal(refused.length, 1, `audited: ${JSON.stringify(entries.map((e) => `${e.code} ${e.details}`))}`);
  assert.equal(refused[0]!.identity, `spiffe://${TRUST_DOMAIN}/admin`);
  assert.match(refused[0]!.details, /over 16777216 bytes|is \d+ bytes/);
});
