// Attacks on the API from a security review, each pinned as a regression test of the defence against it: forged
// chains, streams outliving their grants, audit flooding and gaps, workload identities overreaching, escapes.
import assert from "node:assert/strict";
import { X509Certificate, generateKeyPairSync } from "node:crypto";
import { readFile, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { PermissionDeniedError, UnauthenticatedError, AuraeClientError } from "../../../src/client/index.js";
import { createCa, issueClientCert, type Pem } from "../../../src/pki/index.js";
import { REPO, useDaemon } from "../../helpers/daemon.js";
import { forgedCertificate } from "../../helpers/forged.js";
import { aerOf } from "../cli/run-aer.js";
import { certificateOf, clientAs, clientWith, reloadAfter, reloads, usePolicy, writeWhole } from "../../helpers/identities.js";
import { uniqueName } from "../../helpers/names.js";
import { TRUST_DOMAIN } from "../../helpers/pki.js";

const RATE = 100;
const AUDIT_MAX = 500;
const aurae = useDaemon({ args: ["--rate-limit", String(RATE), "--rate-burst", String(RATE), "--max-streams", "8", "--audit-max", String(AUDIT_MAX)] });
const td = TRUST_DOMAIN;

const ADMIN_POLICY = `[[rule]]\nidentities = ["spiffe://${td}/admin"]\nrole = "admin"\n`;

/** Trusts `ca` as the federated trust domain `domain` (pki/bundles/<domain>.crt), and waits for the reload. */
async function federate(domain: string, ca: Pem): Promise<string> {
  const path = join(aurae.pki.configDir, "pki", "bundles", `${domain}.crt`);
  const before = await reloads(aurae);
  await writeWhole(path, ca.certPem);
  await reloadAfter(aurae, before);
  return path;
}


test("a federated partner CA cannot become our admin by appending a forged link and our CA to its chain", async (t) => {
  const partnerCa = await createCa({ commonName: "Partner CA" });
  const bundle = await federate("partner.example", partnerCa);
  t.after(async () => {
    const before = await reloads(aurae);
    await unlink(bundle);
    await reloadAfter(aurae, before);
  });
  // The partner signs an SVID for OUR admin. Sent alone it is refused (see the test of the true chain in test/unit/daemon/attacks.test.ts); sent with a
  // forged "Partner CA <- Aurae test CA" certificate and our (public) CA certificate, Node reports the chain
  // leaf -> forged -> our CA, and the anchor check in verifyClientSvid finds our CA in it.
  const impostor = await issueClientCert(partnerCa, { spiffeId: `spiffe://${td}/admin` });
  // A link that only looks like one (named as the partner CA, issued by our CA's name): Node's
  // getPeerCertificate(true) chains the peer's certificates by name alone.
  const forged = await forgedCertificate("CN=Partner CA", "CN=Aurae test CA");
  const chain = `${impostor.certPem}${forged.toString()}\n${aurae.pki.ca.certPem}`;
  const client = await clientWith(aurae, { certPem: chain, keyPem: impostor.keyPem });
  await assert.rejects(
    client.pki.listCertificates({}),
    (err: unknown) => err instanceof UnauthenticatedError && /not signed by a trust anchor of "aurae\.test"/.test(err.message),
    "a certificate signed by the partner's CA must never be our admin",
  );
});

/** The next response of a stream, or "ended"/the error, or "nothing" after `ms`. */
async function nextOf<T>(it: AsyncIterator<T>, ms: number): Promise<T | "ended" | "nothing" | Error> {
  const timeout = new Promise<"nothing">((r) => setTimeout(() => r("nothing"), ms));
  const next = it.next().then((r) => (r.done ? ("ended" as const) : r.value), (err: Error) => err);
  return Promise.race([next, timeout]);
}

test("a stream opened before its caller was put on the deny list ends at once", async (t) => {
  const spy = `spiffe://${td}/readers/spy`;
  await usePolicy(aurae, `${ADMIN_POLICY}[[rule]]\nidentities = ["${spy}"]\nrole = "reader"\n`);
  t.after(() => usePolicy(aurae, ADMIN_POLICY));
  const { client } = await clientAs(aurae, spy);
  const stop = new AbortController();
  t.after(() => stop.abort());
  const events = client.events.watch({ fromNow: true, follow: true }, { signal: stop.signal })[Symbol.asyncIterator]();
  const first = nextOf(events, 10_000);
  await new Promise((r) => setTimeout(r, 300)); // the watch reached the daemon
  // The docs: [deny] is "refused whatever the rules say, at once, on open connections too".
  await usePolicy(aurae, `${ADMIN_POLICY}[[rule]]\nidentities = ["${spy}"]\nrole = "reader"\n[deny]\nidentities = ["${spy}"]\n`);
  await assert.rejects(client.cells.list({}), PermissionDeniedError); // a new call is refused...
  const cell = uniqueName("after-deny");
  await aurae.client.cells.allocate({ spec: { name: cell } });
  t.after(() => aurae.client.cells.free({ name: cell }));
  const got = await first;
  // ...and the open watch ends too, delivering nothing of what happened after the identity was denied.
  const leaked = typeof got === "object" && !(got instanceof Error) ? got.events.map((e) => `${e.kind} ${e.cellName}`).join(", ") : "";
  assert.ok(got === "ended" || got instanceof PermissionDeniedError, `the open watch went on: ${leaked || String(got)}`);
});

test("removing a federated bundle ends that domain's access, also when no bundle existed at start", async () => {
  // The test PKI, like `aer pki init`, has no bundles/ directory: auraed watches pki/ and the policy's directory,
  // and skips the missing bundles/. Federating creates it; from then on nothing watches what is inside it.
  const partnerCa = await createCa({ commonName: "Removed partner CA" });
  const bundle = await federate("gone.example", partnerCa);
  await new Promise((r) => setTimeout(r, 1000)); // any reload the creation of bundles/ scheduled is done
  const partner = await clientWith(aurae, await issueClientCert(partnerCa, { spiffeId: "spiffe://gone.example/ci" }));
  await partner.health.check({});
  // The partner's trust is withdrawn the documented way: its bundle file is removed ("a removed federated bundle
  // refuses that domain's open connections on their next call"). No SIGHUP.
  await unlink(bundle);
  await new Promise((r) => setTimeout(r, 2000)); // far past the reloader's 150 ms settle time
  await assert.rejects(
    partner.health.check({}),
    (err: unknown) => err instanceof UnauthenticatedError && /gone\.example/.test(err.message),
    "the partner is still trusted 2 s after its bundle was removed",
  );
});

const exhausted = (err: unknown): boolean => err instanceof AuraeClientError && err.grpcCode === 8; /* RESOURCE_EXHAUSTED */

/** A client of a certificate issued through the API for `spiffeId` (so that it can be revoked), and its serial. */
async function issuedClient(spiffeId: string) {
  const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const issued = await aurae.client.pki.issueCertificate({
    spiffeId,
    publicKeyPem: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
    ttlSeconds: 3600n,
  });
  const client = await clientWith(aurae, { certPem: issued.certificatePem, keyPem: keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString() });
  return { client, serial: issued.certificate!.serial };
}

test("a revoked or denied certificate is rate limited like any caller", async () => {
  const id = `spiffe://${td}/laptops/stolen-${uniqueName("x")}`;
  const { client, serial } = await issuedClient(id);
  await aurae.client.pki.revokeCertificate({ serial, reason: "stolen" });
  // --rate-limit 100 --rate-burst 100: an identity gets RESOURCE_EXHAUSTED past 100 calls at once. The deny and
  // revocation checks run before the rate check, so a revoked (or denied) identity has no budget at all.
  const results = await Promise.allSettled(Array.from({ length: 3 * RATE }, () => client.health.check({})));
  const reasons = results.map((r) => (r.status === "rejected" ? (r.reason as unknown) : undefined));
  assert.ok(reasons.every((e) => e instanceof UnauthenticatedError || exhausted(e)));
  const { entries } = await aurae.client.audit.list({ pageSize: 1000, filter: { identity: id } });
  assert.ok(
    reasons.some(exhausted),
    `all ${reasons.length} calls of a revoked identity were served a refusal (and ${entries.length} audit rows written): none was over its rate`,
  );
});

test("an identity refused again and again cannot push the record of a mutation out of the audit log", async () => {
  const cell = uniqueName("evidence");
  await aurae.client.cells.allocate({ spec: { name: cell } }); // the act that must stay on record
  await aurae.client.cells.free({ name: cell });
  const recorded = async () => (await aurae.client.audit.list({ pageSize: 1000, filter: { cellName: cell } })).entries.length;
  assert.equal(await recorded(), 2);
  // Anyone the TLS layer accepts (a workload's SVID, a partner domain's identity, a user with no rule) may be
  // refused as often as its rate allows, and each refusal is one more audit row: with --audit-max 500 and 100 calls/s,
  // 11 s of PERMISSION_DENIED is enough. At the defaults (100000 entries, 2000 calls/s) it takes under a minute.
  const { client: nobody } = await clientAs(aurae, `spiffe://${td}/nobody/${uniqueName("n")}`);
  let denied = 0;
  for (let round = 0; denied < 1100 && round < 40; round++) {
    const results = await Promise.allSettled(Array.from({ length: RATE }, () => nobody.cells.list({})));
    denied += results.filter((r) => r.status === "rejected" && r.reason instanceof PermissionDeniedError).length;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.ok(denied >= 1100, `only ${denied} refusals`);
  assert.equal(await recorded(), 2, `after ${denied} refusals of an identity without any grant, the Allocate and Free of ${cell} are gone from the audit log`);
});

test("a mutation that completes after the client's deadline is audited with its real outcome", async () => {
  const cell = uniqueName("deadline");
  await aurae.client.cells.allocate({ spec: { name: cell } });
  await aurae.client.executables.start({ spec: { cellName: cell, name: "stubborn", argv: ["/bin/sh", "-c", "trap '' TERM; sleep 30"] } });
  await new Promise((r) => setTimeout(r, 500)); // the shell has set its trap
  // Free waits out the grace period (1.5 s) before it kills; the caller gives up after 300 ms.
  await assert.rejects(aurae.client.cells.free({ name: cell, stop: true, gracePeriodMs: 1500 }, { deadline: 300 }), AuraeClientError);
  for (let i = 0; i < 100 && (await aurae.client.cells.list({ cellName: cell }).then((r) => r.cells.length, () => 0)) > 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  await assert.rejects(aurae.client.cells.get({ name: cell }), /not found/); // the cell was freed all the same
  const { entries } = await aurae.client.audit.list({ pageSize: 1000, filter: { cellName: cell, method: "/aurae.cells.v1.CellService/Free" } });
  assert.equal(entries.length, 1);
  assert.equal(entries[0]!.code, "OK", `the Free that freed ${cell} is on record as ${entries[0]!.code} "${entries[0]!.details}"`);
});

test("a request over the 4 MiB limit is refused RESOURCE_EXHAUSTED and audited", async () => {
  const id = `spiffe://${td}/big/${uniqueName("b")}`;
  await usePolicy(aurae, `${ADMIN_POLICY}[[rule]]\nidentities = ["${id}"]\nrole = "reader"\n`);
  const { client } = await clientAs(aurae, id);
  const huge = "x".repeat(5 * 1024 * 1024);
  await assert.rejects(client.cells.get({ name: huge }), exhausted);
  // A mutating call of the same size, by a reader that may not even call it: refused the same way.
  await assert.rejects(client.cells.free({ name: huge }), exhausted);
  const { entries } = await aurae.client.audit.list({ pageSize: 1000, filter: { identity: id } });
  const codes = entries.map((e) => `${e.method} ${e.code} ${e.details}`);
  assert.deepEqual(
    entries.map((e) => e.code),
    ["RESOURCE_EXHAUSTED", "RESOURCE_EXHAUSTED"],
    `the docs: every refusal (UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED) is recorded; recorded: ${JSON.stringify(codes)}`,
  );
});

test("a cell's workload SVID dies with the cell: after Free it cannot drive a new cell of that name", async (t) => {
  const cell = uniqueName("tenant");
  const { cell: allocated } = await aurae.client.cells.allocate({ spec: { name: cell, workloadIdentity: true } });
  const dir = dirname(allocated!.status!.socketPath);
  // What the cell's workloads are given to read (AURAE_CONFIG): a workload can keep a copy of its key.
  const svid = { certPem: await readFile(join(dir, "svid.crt"), "utf8"), keyPem: await readFile(join(dir, "svid.key"), "utf8") };
  await aurae.client.cells.free({ name: cell, stop: true, gracePeriodMs: 1000 });
  // Later the name is given to someone else (a new tenant, the next CI job), without a workload identity.
  await aurae.client.cells.allocate({ spec: { name: cell } });
  t.after(() => aurae.client.cells.free({ name: cell, stop: true, gracePeriodMs: 1000 }));
  const former = await clientWith(aurae, svid); // through the main socket: the cell's own socket is gone
  await assert.rejects(
    former.executables.start({ spec: { cellName: cell, name: "squatter", argv: ["/bin/true"] } }),
    (err: unknown) => err instanceof UnauthenticatedError,
    "the SVID of a freed cell is neither revoked nor expired: it is an operator of whatever cell next gets that name",
  );
});

test("a cell's identity has only its own rules, not the policy file's", async (t) => {
  const cell = uniqueName("sandbox");
  const other = uniqueName("payroll");
  // A common rule: everyone of our trust domain may read. The docs: a cell's identity is "an operator of its own
  // cell tree and nothing else, whatever the policy file says".
  await usePolicy(aurae, `${ADMIN_POLICY}[[rule]]\nname = "staff"\nidentities = ["spiffe://${td}/*"]\nrole = "reader"\n`);
  t.after(() => usePolicy(aurae, ADMIN_POLICY));
  const { cell: allocated } = await aurae.client.cells.allocate({ spec: { name: cell, workloadIdentity: true } });
  await aurae.client.cells.allocate({ spec: { name: other } });
  t.after(async () => {
    await aurae.client.cells.free({ name: cell, stop: true, gracePeriodMs: 1000 });
    await aurae.client.cells.free({ name: other, stop: true, gracePeriodMs: 1000 });
  });
  await aurae.client.executables.start({ spec: { cellName: other, name: "job", argv: ["/bin/echo", "salary=123"] } });
  await aurae.client.executables.wait({ cellName: other, name: "job" });
  const workload = await aurae.connect({ config: join(dirname(allocated!.status!.socketPath), "config"), socket: aurae.socketPath });
  const lines: string[] = [];
  const read = async () => {
    for await (const res of workload.observe.getLogs({ cellName: other, executableName: "job" }))
      lines.push(...res.entries.map((e) => Buffer.from(e.line).toString()));
  };
  const outcome = await read().then(() => undefined, (err: unknown) => err);
  assert.ok(outcome instanceof PermissionDeniedError, `the workload of ${cell} read the logs of ${other}: ${JSON.stringify(lines)}`);
});


test("a cell-confined operator may not run root workloads, and as another user cannot read auraed's keys", async (t) => {
  const team = uniqueName("team-a");
  const operatorId = `spiffe://${td}/${team}/deployer`;
  await usePolicy(aurae, `${ADMIN_POLICY}[[rule]]\nidentities = ["${operatorId}"]\nrole = "operator"\ncells = ["${team}"]\n`);
  t.after(() => usePolicy(aurae, ADMIN_POLICY));
  await aurae.client.cells.allocate({ spec: { name: team } });
  t.after(() => aurae.client.cells.free({ name: team, stop: true, gracePeriodMs: 1000 }));
  const { client: operator } = await clientAs(aurae, operatorId);
  const caKey = join(aurae.pki.configDir, "pki", "ca.key");
  for (const as of [{}, { user: "root" }, { user: "0" }, { user: "nobody", group: "0" }, { user: "nobody", supplementaryGroups: ["root"] }])
    await assert.rejects(
      operator.executables.start({ spec: { cellName: team, name: "peek", argv: ["/bin/cat", caKey], ...as } }),
      (err: unknown) => err instanceof PermissionDeniedError && /may not start this executable in cell .*\b(uid|group) 0 \(root\)/.test(err.message),
      JSON.stringify(as),
    );
  await operator.executables.start({ spec: { cellName: team, name: "peek", argv: ["/bin/cat", caKey], user: "nobody" } });
  const { executable } = await operator.executables.wait({ cellName: team, name: "peek" });
  let out = "";
  for await (const res of operator.observe.getLogs({ cellName: team, executableName: "peek" })) out += res.entries.map((e) => Buffer.from(e.line).toString()).join("\n");
  assert.notEqual(executable?.status?.exit?.code, 0);
  assert.doesNotMatch(out, /PRIVATE KEY/);
  assert.match(out, /Permission denied/);
});

test("a confined caller's lists and watches are narrowed to its tree, a prefix sibling excluded, and reflection is refused", async (t) => {
  const team = uniqueName("tree");
  const sibling = `${team}x`; // "tree-abc123x": shares the prefix, is another cell
  const operatorId = `spiffe://${td}/${team}/ops`;
  await usePolicy(aurae, `${ADMIN_POLICY}[[rule]]\nidentities = ["${operatorId}"]\nrole = "operator"\ncells = ["${team}/"]\n`);
  t.after(() => usePolicy(aurae, ADMIN_POLICY));
  for (const name of [team, `${team}/web`, sibling]) await aurae.client.cells.allocate({ spec: { name } });
  t.after(async () => {
    await aurae.client.cells.free({ name: team, stop: true, gracePeriodMs: 1000 });
    await aurae.client.cells.free({ name: sibling, stop: true, gracePeriodMs: 1000 });
  });
  await aurae.client.executables.start({ spec: { cellName: sibling, name: "secret", argv: ["/bin/echo", "sibling"] } });
  await aurae.client.executables.wait({ cellName: sibling, name: "secret" });
  const { client: operator, certificate } = await clientAs(aurae, operatorId);

  const cells = (await operator.cells.list({ pageSize: 1000 })).cells.map((c) => c.spec?.name);
  assert.deepEqual(cells, [team, `${team}/web`]);
  assert.deepEqual((await operator.cells.list({ cellName: team, pageSize: 1000 })).cells.map((c) => c.spec?.name), [team, `${team}/web`]);
  const events = (await operator.events.list({ pageSize: 1000 })).events;
  assert.ok(events.length > 0 && events.every((e) => e.cellName === team || e.cellName.startsWith(`${team}/`)), JSON.stringify(events.map((e) => e.cellName)));
  const watched: string[] = [];
  for await (const res of operator.events.watch({ cellName: team })) watched.push(...res.events.map((e) => e.cellName));
  assert.ok(watched.every((c) => c === team || c.startsWith(`${team}/`)), watched.join(","));
  assert.deepEqual((await operator.executables.list({ pageSize: 1000 })).executables, []);
  await assert.rejects(operator.executables.list({ cellName: sibling }), PermissionDeniedError);
  await assert.rejects(operator.events.list({ cellName: sibling }), PermissionDeniedError);
  await assert.rejects(async () => {
    for await (const _ of operator.observe.getLogs({ cellName: sibling, executableName: "secret" })) break;
  }, PermissionDeniedError);
  await assert.rejects(operator.cells.get({ name: `${team}/../${sibling}` }), /is not a cell name/);

  // gRPC reflection describes the whole node: a confined caller is refused.
  const definition = protoLoader.loadSync(join(REPO, "node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto"), { keepCase: true });
  const Reflection = (grpc.loadPackageDefinition(definition) as any).grpc.reflection.v1.ServerReflection;
  const reflection = new Reflection(`unix:${aurae.socketPath}`, grpc.credentials.createSsl(Buffer.from(aurae.pki.ca.certPem), Buffer.from(certificate.keyPem), Buffer.from(certificate.certPem)), { "grpc.ssl_target_name_override": "localhost" });
  t.after(() => reflection.close());
  const code = await new Promise<number>((resolve) => {
    const call = reflection.ServerReflectionInfo();
    call.on("data", () => resolve(0));
    call.on("error", (err: grpc.ServiceError) => resolve(err.code));
    call.write({ list_services: "" });
  });
  assert.equal(code, grpc.status.PERMISSION_DENIED);
});

test("stream places are given back when a stream is cancelled, refused on its request, or malformed", async () => {
  const { client, certificate } = await clientAs(aurae, `spiffe://${td}/admin`);
  // Refused on the request (a cell name that is not one), after the place was taken at the headers.
  for (let i = 0; i < 10; i++)
    await assert.rejects(async () => {
      for await (const _ of client.observe.getLogs({ cellName: "NOT/a/cell" })) break;
    }, /is not a cell name/);
  // Malformed requests: bytes that are no protobuf message.
  const raw = new grpc.Client(`unix:${aurae.socketPath}`, grpc.credentials.createSsl(Buffer.from(aurae.pki.ca.certPem), Buffer.from(certificate.keyPem), Buffer.from(certificate.certPem)), { "grpc.ssl_target_name_override": "localhost" });
  for (let i = 0; i < 10; i++) {
    const code = await new Promise<number>((resolve) => {
      const call = raw.makeServerStreamRequest("/aurae.events.v1.EventService/Watch", () => Buffer.from([0xff, 0xff, 0xff]), (b: Buffer) => b, {});
      call.on("error", (err: grpc.ServiceError) => resolve(err.code));
      call.on("end", () => resolve(0));
      call.on("data", () => undefined);
    });
    assert.equal(code, grpc.status.INVALID_ARGUMENT);
  }
  raw.close();
  // Cancelled by the client.
  for (let i = 0; i < 10; i++) {
    const stop = new AbortController();
    const it = client.events.watch({ fromNow: true, follow: true }, { signal: stop.signal })[Symbol.asyncIterator]();
    const pending = it.next().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 30));
    stop.abort();
    await pending;
  }
  await new Promise((r) => setTimeout(r, 300));
  // --max-streams 8: all eight places are free again.
  const stops = Array.from({ length: 8 }, () => new AbortController());
  const outcomes = stops.map((s) => nextOf(client.events.watch({ fromNow: true, follow: true }, { signal: s.signal })[Symbol.asyncIterator](), 1000));
  const results = await Promise.all(outcomes);
  for (const s of stops) s.abort();
  assert.deepEqual(results.map((r) => (r instanceof Error ? r.message : r)), Array(8).fill("nothing"));
});

test("terminal escapes a confined operator writes into the audit log are shown escaped by `aer audit`", async (t) => {
  const team = uniqueName("ink");
  const operatorId = `spiffe://${td}/${team}/ops`;
  await usePolicy(aurae, `${ADMIN_POLICY}[[rule]]\nidentities = ["${operatorId}"]\nrole = "operator"\ncells = ["${team}"]\n`);
  t.after(() => usePolicy(aurae, ADMIN_POLICY));
  const { client: operator } = await clientAs(aurae, operatorId);
  // A device path under /dev/ passes the spec's checks and is then quoted raw in "no such device" (src/runtime/
  // cgroups/devices.ts); the error of a mutating call is its audit entry's details, which `aer audit` prints as
  // they are. ESC[1A ESC[2K (cursor up, erase line) makes the rows above vanish from the admin's screen.
  const escapes = "/dev/\u001b[1A\u001b[2K\u001b[1A\u001b[2K\u001b]0;owned\u0007";
  await assert.rejects(operator.cells.allocate({ spec: { name: team, io: { devices: [{ device: escapes }] } } }), /no such device/);
  const { stdout } = await aerOf(aurae)("audit", "--cell", team);
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(stdout), `aer audit printed control characters: ${JSON.stringify(stdout)}`);
});

test("a certificate that expires while its connection is open is refused from then on", async () => {
  // Short-lived certificates (IssueCertificate takes a TTL from 60 s) are how temporary access is given; expiry is
  // only checked in the TLS handshake, and one HTTP/2 connection carries a client's calls for as long as it likes.
  const shortLived = await certificateOf(aurae, { commonName: "temp", usage: "client", uris: [`spiffe://${td}/admin`], notAfter: new Date(Date.now() + 3000) });
  const client = await clientWith(aurae, shortLived);
  await client.cells.list({});
  await new Promise((r) => setTimeout(r, 4500));
  await assert.rejects(
    client.cells.list({}),
    (err: unknown) => err instanceof UnauthenticatedError,
    `the certificate expired at ${new X509Certificate(shortLived.certPem).validTo} and its connection is still the admin`,
  );
});

test("a cell's workload cannot lift the limits the admin put on its own cell", async (t) => {
  const cell = uniqueName("contained");
  const { cell: allocated } = await aurae.client.cells.allocate({ spec: { name: cell, workloadIdentity: true, pids: { max: 16n }, memory: { maxBytes: 64n << 20n } } });
  t.after(() => aurae.client.cells.free({ name: cell, stop: true, gracePeriodMs: 1000 }));
  // The identity a workload gets to manage jobs below it is "an operator of its own cell tree": Update of the cell
  // itself included, so the contained workload may give itself any limits.
  const workload = await aurae.connect({ config: join(dirname(allocated!.status!.socketPath), "config") });
  const lifted = await workload.cells.update({ spec: { name: cell, workloadIdentity: true } }).then(
    (r) => `pids ${r.cell?.spec?.pids?.max ?? "unlimited"}, memory ${r.cell?.spec?.memory?.maxBytes ?? "unlimited"}`,
    (err: Error) => err,
  );
  assert.ok(lifted instanceof PermissionDeniedError, `the workload of ${cell} changed its own limits to: ${String(lifted)}`);
});

test("an operator's Free --stop waiting out a long grace period does not stall changes elsewhere in its top-level tree", async (t) => {
  const org = uniqueName("org");
  const operatorId = `spiffe://${td}/${org}/a-team`;
  await usePolicy(aurae, `${ADMIN_POLICY}[[rule]]\nidentities = ["${operatorId}"]\nrole = "operator"\ncells = ["${org}/a"]\n`);
  t.after(() => usePolicy(aurae, ADMIN_POLICY));
  for (const name of [org, `${org}/a`, `${org}/b`]) await aurae.client.cells.allocate({ spec: { name } });
  t.after(() => aurae.client.cells.free({ name: org, stop: true, gracePeriodMs: 1000 }));
  const { client: operator } = await clientAs(aurae, operatorId);
  const stubborn = { cellName: `${org}/a`, name: "stubborn", argv: ["/bin/sh", "-c", "trap '' TERM; sleep 30"], user: "nobody" };
  await operator.executables.start({ spec: stubborn });
  await new Promise((r) => setTimeout(r, 300)); // the shell has set its trap
  const freeing = operator.cells.free({ name: `${org}/a`, stop: true, gracePeriodMs: 4000 });
  await new Promise((r) => setTimeout(r, 300));
  const startedAt = Date.now();
  await aurae.client.executables.start({ spec: { cellName: `${org}/b`, name: "meanwhile", argv: ["/bin/true"] } }, { deadline: 2000 });
  assert.ok(Date.now() - startedAt < 2000, "the admin's start in a sibling tree did not wait for the grace period");
  await freeing;
  await assert.rejects(aurae.client.cells.get({ name: `${org}/a` }), /not found/);
});

test("an env value is never written to the audit log or the daemon log, even when the call fails", async (t) => {
  const cell = uniqueName("envs");
  await aurae.client.cells.allocate({ spec: { name: cell } });
  t.after(() => aurae.client.cells.free({ name: cell, stop: true, gracePeriodMs: 1000 }));
  const secret = `s3cr3t-${uniqueName("v")}`;
  const env = { TOKEN: secret, "1BAD NAME": secret };
  await assert.rejects(aurae.client.executables.start({ spec: { cellName: cell, name: "a", argv: ["/bin/true"], env } }), /spec\.env/);
  await assert.rejects(aurae.client.executables.start({ spec: { cellName: cell, name: "b", argv: ["./relative"], env: { TOKEN: secret } } }), /argv/);
  await assert.rejects(aurae.client.executables.start({ spec: { cellName: cell, name: "c", argv: ["/no/such/program"], env: { TOKEN: secret } } }));
  await aurae.client.executables.start({ spec: { cellName: cell, name: "d", argv: ["/bin/true"], env: { TOKEN: secret } } });
  const { entries } = await aurae.client.audit.list({ pageSize: 1000, filter: { cellName: cell } });
  assert.ok(entries.length >= 4);
  const audited = JSON.stringify(entries, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
  assert.ok(!audited.includes(secret.slice(7)), audited);
  assert.ok(!(await aurae.log()).includes(secret.slice(7)));
});
