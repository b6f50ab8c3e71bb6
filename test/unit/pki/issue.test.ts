import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { before, test } from "node:test";
import { createCa } from "../../../src/pki/ca.js";
import { readExtensions } from "../../../src/pki/der.js";
import { issueCertificate, issueClientCert, issueServerCert } from "../../../src/pki/issue.js";
import type { Pem } from "../../../src/pki/keys.js";
import { x509 } from "../../../src/pki/x509.js";

const DAY_MS = 86_400_000;
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
let ca: Pem;
before(async () => {
  ca = await createCa({ commonName: "Aurae test CA" });
});

/** Checks what every issued end-entity certificate must be, as OpenSSL (through node:crypto) reads it. */
function assertSignedByCa(issued: Pem & { serial: string }): X509Certificate {
  const cert = new X509Certificate(issued.certPem);
  const caCert = new X509Certificate(ca.certPem);
  assert.ok(cert.checkIssued(caCert), "issuer is the CA");
  assert.ok(cert.verify(caCert.publicKey), "signature verifies with the CA's key");
  assert.ok(cert.checkPrivateKey(createPrivateKey(issued.keyPem)), "key matches the certificate");
  assert.match(issued.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.equal(cert.serialNumber, issued.serial.toUpperCase());
  assert.match(issued.serial, /^[0-7][0-9a-f]{31}$/);
  const parsed = new x509.X509Certificate(issued.certPem);
  const caKeyId = new x509.X509Certificate(ca.certPem).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  assert.equal(parsed.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, caKeyId);
  assert.ok(parsed.getExtension(x509.SubjectKeyIdentifierExtension));
  return cert;
}

function assertEndEntity(pem: string): void {
  const cert = new x509.X509Certificate(pem);
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  assert.deepEqual([basic?.critical, basic?.ca], [true, false]);
  const usage = cert.getExtension(x509.KeyUsagesExtension);
  assert.deepEqual([usage?.critical, usage?.usages], [true, x509.KeyUsageFlags.digitalSignature]);
}

const lifetimeDays = (cert: X509Certificate) => (Date.parse(cert.validTo) - Date.now()) / DAY_MS;

test("a server certificate covers its DNS names and IPv4 and IPv6 addresses, for serverAuth only", async () => {
  const issued = await issueServerCert(ca, {
    commonName: "node1",
    dnsNames: ["localhost", "node1.aurae.local"],
    ipAddresses: ["127.0.0.1", "::1"],
  });
  const cert = assertSignedByCa(issued);
  assertEndEntity(issued.certPem);
  assert.equal(cert.ca, false);
  assert.deepEqual(cert.keyUsage, [SERVER_AUTH]);
  assert.equal(cert.checkHost("localhost"), "localhost");
  assert.equal(cert.checkHost("node1.aurae.local"), "node1.aurae.local");
  assert.equal(cert.checkHost("node2.aurae.local"), undefined);
  assert.equal(cert.checkIP("127.0.0.1"), "127.0.0.1");
  assert.equal(cert.checkIP("::1"), "::1");
  assert.equal(cert.checkIP("127.0.0.2"), undefined);
  assert.equal(cert.subject, "CN=node1");
  assert.equal(cert.issuer, "CN=Aurae test CA");
  assert.ok(Math.abs(lifetimeDays(cert) - 825) < 0.01);
});

test("a client certificate has exactly one URI SAN, the SPIFFE ID, for clientAuth only", async () => {
  const issued = await issueClientCert(ca, { spiffeId: "spiffe://aurae.local/users/nova" });
  const cert = assertSignedByCa(issued);
  assertEndEntity(issued.certPem);
  assert.equal(cert.subjectAltName, "URI:spiffe://aurae.local/users/nova");
  assert.deepEqual(cert.keyUsage, [CLIENT_AUTH]);
  assert.equal(cert.subject, "CN=nova");
  assert.ok(Math.abs(lifetimeDays(cert) - 365) < 0.01);
  const week = await issueClientCert(ca, { spiffeId: "spiffe://aurae.local/users/nova", validDays: 7 });
  assert.ok(Math.abs(lifetimeDays(new X509Certificate(week.certPem)) - 7) < 0.01);
});

test("a client certificate needs an ID with a path; its CN is the last segment, cut to 64 characters", async () => {
  await assert.rejects(issueClientCert(ca, { spiffeId: "spiffe://aurae.local" }), { field: "spiffeId", message: /needs a path/ });
  const long = "t".repeat(100);
  const issuedLong = await issueClientCert(ca, { spiffeId: `spiffe://aurae.local/users/${long}` });
  assert.equal(new X509Certificate(issuedLong.certPem).subject, `CN=${long.slice(0, 64)}`);
});

test("a client certificate refuses an invalid SPIFFE ID, naming spiffeId and the problem", async () => {
  await assert.rejects(issueClientCert(ca, { spiffeId: "spiffe://aurae.local/users/../root" }), {
    kind: "invalid",
    field: "spiffeId",
    message: /^spiffeId: path must not contain "\." or "\.\." segments/,
  });
});

test("a server certificate needs a DNS name or an IP, and each must be well formed", async () => {
  await assert.rejects(issueServerCert(ca, { commonName: "n" }), { kind: "invalid", field: "dnsNames" });
  await assert.rejects(issueServerCert(ca, { commonName: "n", ipAddresses: ["::1", "300.1.1.1"] }), {
    field: "ipAddresses[1]",
    message: /must be an IPv4 or IPv6 address, got "300\.1\.1\.1"/,
  });
  for (const name of ["", "-a.lan", "a..lan", "a b", "a.lan:80", "x".repeat(64)])
    await assert.rejects(issueServerCert(ca, { commonName: "n", dnsNames: ["ok.lan", name] }), {
      field: "dnsNames[1]",
    });
  const wildcard = await issueServerCert(ca, { commonName: "n", dnsNames: ["*.nodes.lan"] });
  assert.equal(new X509Certificate(wildcard.certPem).checkHost("n1.nodes.lan"), "*.nodes.lan");
});

test("every certificate gets its own serial", async () => {
  const issued = await Promise.all(
    Array.from({ length: 8 }, () => issueServerCert(ca, { commonName: "n", dnsNames: ["localhost"] })),
  );
  assert.equal(new Set(issued.map((c) => c.serial)).size, 8);
});

test("issueCertificate makes the malformed certificates a verifier must refuse", async () => {
  const noUri = await issueCertificate(ca, { commonName: "anon", usage: "client" });
  assert.deepEqual(readExtensions(new X509Certificate(noUri.certPem).raw).uris, []);
  assert.equal(new X509Certificate(noUri.certPem).subjectAltName, undefined);

  const twoUris = await issueCertificate(ca, {
    commonName: "two",
    usage: "client",
    uris: ["spiffe://aurae.local/a", "spiffe://aurae.local/b"],
  });
  assert.deepEqual(readExtensions(new X509Certificate(twoUris.certPem).raw).uris, ["spiffe://aurae.local/a", "spiffe://aurae.local/b"]);

  const https = await issueCertificate(ca, { commonName: "web", usage: "client", uris: ["https://aurae.local/x"] });
  assert.equal(new X509Certificate(https.certPem).subjectAltName, "URI:https://aurae.local/x");

  const notBefore = new Date("2020-01-01T00:00:00Z");
  const notAfter = new Date("2020-02-01T00:00:00Z");
  const expired = await issueCertificate(ca, { commonName: "old", usage: "client", notBefore, notAfter });
  const dates = new X509Certificate(expired.certPem);
  assert.deepEqual([new Date(dates.validFrom), new Date(dates.validTo)], [notBefore, notAfter]);

  const caAsClient = await issueCertificate(ca, {
    commonName: "sub",
    usage: "client",
    isCa: true,
    uris: ["spiffe://aurae.local/sub"],
  });
  const cert = assertSignedByCa(caAsClient);
  assert.equal(cert.ca, true);
  assert.deepEqual(cert.keyUsage, [CLIENT_AUTH]);
});

test("refuses to sign with a certificate that is not a CA, or with a key that is not the CA's", async () => {
  const leaf = await issueServerCert(ca, { commonName: "n", dnsNames: ["localhost"] });
  await assert.rejects(issueClientCert(leaf, { spiffeId: "spiffe://aurae.local/x" }), {
    kind: "precondition",
    message: /^ca\.certPem: "CN=n" is not a CA certificate/,
  });
  const other = await createCa({ commonName: "other" });
  await assert.rejects(issueClientCert({ certPem: ca.certPem, keyPem: other.keyPem }, { spiffeId: "spiffe://a/x" }), {
    kind: "invalid",
    field: "ca.keyPem",
    message: /is not the private key of "CN=Aurae test CA"/,
  });
  await assert.rejects(issueClientCert({ certPem: "junk", keyPem: ca.keyPem }, { spiffeId: "spiffe://a/x" }), {
    field: "ca.certPem",
  });
  await assert.rejects(issueClientCert({ certPem: ca.certPem, keyPem: "junk" }, { spiffeId: "spiffe://a/x" }), {
    field: "ca.keyPem",
  });
});
