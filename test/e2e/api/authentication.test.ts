// Every listener is mutual TLS, and a caller is the SPIFFE ID in its certificate: anything else is refused.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { UnauthenticatedError } from "../../../src/client/index.js";
import { HealthCheckRequest, HealthCheckResponse, HealthService } from "../../../src/gen/grpc/health/v1/health.js";
import { createCa, issueCertificate, issueClientCert, type Pem } from "../../../src/pki/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { clientAs, clientWith, reloadAfter, reloads, writeWhole } from "../../helpers/identities.js";
import { TRUST_DOMAIN } from "../../helpers/pki.js";

const aurae = useDaemon({ tcp: true });

/** A health check over the socket with the given client certificate (or none). */
function healthCheck(client: Pem | undefined, target = `unix:${aurae.socketPath}`): Promise<HealthCheckResponse> {
  const credentials = grpc.credentials.createSsl(
    Buffer.from(aurae.pki.ca.certPem),
    client && Buffer.from(client.keyPem),
    client && Buffer.from(client.certPem),
  );
  const channel = new grpc.Client(target, credentials, { "grpc.ssl_target_name_override": "localhost" });
  return new Promise<HealthCheckResponse>((resolve, reject) =>
    channel.makeUnaryRequest(
      HealthService.check.path,
      HealthService.check.requestSerialize,
      HealthService.check.responseDeserialize,
      HealthCheckRequest.fromPartial({}),
      new grpc.Metadata(),
      { deadline: Date.now() + 5000 },
      (err, res) => (err ? reject(err) : resolve(res!)),
    ),
  ).finally(() => channel.close());
}

const refusedWith = (code: grpc.status, details?: RegExp) => (err: grpc.ServiceError) =>
  err.code === code && (details === undefined || details.test(err.details));

test("a client with a valid SPIFFE certificate is served, and a refused call is logged with its identity", async () => {
  const id = `spiffe://${TRUST_DOMAIN}/workloads/ci`;
  assert.equal((await healthCheck(await issueClientCert(aurae.pki.ca, { spiffeId: id }))).status, 1);
  const { client } = await clientAs(aurae, id);
  await assert.rejects(client.cells.list({}), /permission denied/);
  // The daemon's log is written asynchronously: give it a moment.
  const logged = new RegExp(`"identity":"${id}".*"call refused"`);
  for (let i = 0; i < 50 && !logged.test(await aurae.log()); i++) await new Promise((r) => setTimeout(r, 20));
  assert.match(await aurae.log(), logged);
});

test("a client without a certificate fails the TLS handshake", async () => {
  await assert.rejects(healthCheck(undefined), refusedWith(grpc.status.UNAVAILABLE));
});

test("a client whose certificate comes from another CA fails the TLS handshake", async () => {
  const otherCa = await createCa({ commonName: "some other CA" });
  const stranger = await issueClientCert(otherCa, { spiffeId: `spiffe://${TRUST_DOMAIN}/admin` });
  await assert.rejects(healthCheck(stranger), refusedWith(grpc.status.UNAVAILABLE));
});

test("a certificate of our CA without a SPIFFE URI SAN is UNAUTHENTICATED", async () => {
  const noUri = await issueCertificate(aurae.pki.ca, { commonName: "anonymous", usage: "client" });
  await assert.rejects(healthCheck(noUri), refusedWith(grpc.status.UNAUTHENTICATED, /0 URI SANs/));
  const notSpiffe = await issueCertificate(aurae.pki.ca, { commonName: "web", usage: "client", uris: ["https://example.com/me"] });
  await assert.rejects(healthCheck(notSpiffe), refusedWith(grpc.status.UNAUTHENTICATED, /spiffe/));
  const twoIds = await issueCertificate(aurae.pki.ca, {
    commonName: "two",
    usage: "client",
    uris: [`spiffe://${TRUST_DOMAIN}/a`, `spiffe://${TRUST_DOMAIN}/b`],
  });
  await assert.rejects(healthCheck(twoIds), refusedWith(grpc.status.UNAUTHENTICATED, /2 URI SANs/));
});

test("a SPIFFE ID of a trust domain the daemon does not trust is UNAUTHENTICATED", async () => {
  const foreign = await issueClientCert(aurae.pki.ca, { spiffeId: "spiffe://elsewhere.example/admin" });
  await assert.rejects(healthCheck(foreign), refusedWith(grpc.status.UNAUTHENTICATED, /elsewhere\.example/));
});

test("a CA certificate used as a client certificate is UNAUTHENTICATED", async () => {
  const subCa = await issueCertificate(aurae.pki.ca, { commonName: "sub", usage: "client", isCa: true, uris: [`spiffe://${TRUST_DOMAIN}/ca`] });
  await assert.rejects(healthCheck(subCa), refusedWith(grpc.status.UNAUTHENTICATED, /CA certificate/));
});

const DAY_MS = 24 * 3600 * 1000;

test("an expired or not yet valid certificate fails the handshake, and the daemon log says why", async () => {
  const expired = await issueCertificate(aurae.pki.ca, {
    commonName: "old",
    usage: "client",
    uris: [`spiffe://${TRUST_DOMAIN}/admin`],
    notBefore: new Date(Date.now() - 2 * DAY_MS),
    notAfter: new Date(Date.now() - DAY_MS),
  });
  await assert.rejects(healthCheck(expired), refusedWith(grpc.status.UNAVAILABLE));
  const early = await issueCertificate(aurae.pki.ca, {
    commonName: "early",
    usage: "client",
    uris: [`spiffe://${TRUST_DOMAIN}/admin`],
    notBefore: new Date(Date.now() + DAY_MS),
    notAfter: new Date(Date.now() + 2 * DAY_MS),
  });
  await assert.rejects(healthCheck(early), refusedWith(grpc.status.UNAVAILABLE));
  const log = await aurae.log();
  assert.match(log, /"reason":"client certificate: CERT_HAS_EXPIRED","msg":"TLS handshake refused"/);
  assert.match(log, /"reason":"client certificate: CERT_NOT_YET_VALID","msg":"TLS handshake refused"/);
});

test("a federated trust domain's SVIDs are accepted once its bundle is in place, and only for that domain", async () => {
  const partnerCa = await createCa({ commonName: "partner CA" });
  const partner = await issueClientCert(partnerCa, { spiffeId: "spiffe://partner.example/ci" });
  await assert.rejects(healthCheck(partner), refusedWith(grpc.status.UNAVAILABLE)); // not trusted yet
  const before = await reloads(aurae);
  await writeWhole(join(aurae.pki.configDir, "pki", "bundles", "partner.example.crt"), partnerCa.certPem);
  await reloadAfter(aurae, before);
  assert.equal((await healthCheck(partner)).status, 1);
  // The partner's CA vouches for partner.example only: an SVID it signs for our trust domain is refused.
  const impostor = await issueClientCert(partnerCa, { spiffeId: `spiffe://${TRUST_DOMAIN}/admin` });
  await assert.rejects(healthCheck(impostor), refusedWith(grpc.status.UNAUTHENTICATED, /not signed by a trust anchor of "aurae\.test"/));
});

test("a certificate revoked through the API is refused at once, on the connection it already has", async () => {
  const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const issued = await aurae.client.pki.issueCertificate({
    spiffeId: `spiffe://${TRUST_DOMAIN}/admin`,
    publicKeyPem: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
    ttlSeconds: 3600n,
  });
  const laptop = await clientWith(aurae, {
    certPem: issued.certificatePem,
    keyPem: keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  });
  await laptop.cells.list({});
  const listed = await aurae.client.pki.listCertificates({ spiffeId: `spiffe://${TRUST_DOMAIN}/admin` });
  assert.ok(listed.certificates.some((c) => c.serial === issued.certificate!.serial && c.issuedBy === `spiffe://${TRUST_DOMAIN}/admin`));
  await aurae.client.pki.revokeCertificate({ serial: issued.certificate!.serial, reason: "laptop lost" });
  await assert.rejects(laptop.cells.list({}), (err: unknown) => err instanceof UnauthenticatedError && /revoked/.test(err.message));
  await aurae.client.cells.list({}); // the admin's own certificate is untouched
});

test("TCP on [::1] serves the same API with the same mutual TLS", async () => {
  const tcp = await aurae.connect({ address: `[::1]:${aurae.tcpPort}` });
  assert.equal((await tcp.health.check({})).status, 1);
  await assert.rejects(healthCheck(undefined, `[::1]:${aurae.tcpPort}`), refusedWith(grpc.status.UNAVAILABLE));
});

test("the socket is 0600 in a 0700 directory", async () => {
  assert.equal((await stat(aurae.socketPath)).mode & 0o777, 0o600);
  assert.equal((await stat(dirname(aurae.socketPath))).mode & 0o777, 0o700);
});

test("gRPC reflection lists every Aurae service and the health service", async () => {
  const definition = protoLoader.loadSync("grpc/reflection/v1/reflection.proto", {
    includeDirs: [new URL("../../../node_modules/@grpc/reflection/build/proto", import.meta.url).pathname],
  });
  type ReflectionClient = grpc.Client & { ServerReflectionInfo(): grpc.ClientDuplexStream<object, { listServicesResponse?: { service: { name: string }[] } }> };
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: new (t: string, c: grpc.ChannelCredentials, o: object) => ReflectionClient } } };
  };
  const admin = aurae.pki;
  const credentials = grpc.credentials.createSsl(
    Buffer.from(admin.ca.certPem),
    await readFile(`${admin.clientDir}/admin.key`),
    await readFile(`${admin.clientDir}/admin.crt`),
  );
  const client = new pkg.grpc.reflection.v1.ServerReflection(`unix:${aurae.socketPath}`, credentials, { "grpc.ssl_target_name_override": "localhost" });
  const call = client.ServerReflectionInfo();
  call.write({ listServices: "" });
  const [reply] = (await new Promise((resolve, reject) => {
    call.once("data", (d) => resolve([d]));
    call.once("error", reject);
  })) as [{ listServicesResponse?: { service: { name: string }[] } }];
  call.end();
  client.close();
  const names = reply.listServicesResponse!.service.map((s) => s.name).sort();
  for (const name of ["aurae.cells.v1.CellService", "aurae.executables.v1.ExecutableService", "aurae.observe.v1.ObserveService", "grpc.health.v1.Health"])
    assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
});
