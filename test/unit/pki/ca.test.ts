import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { test } from "node:test";
import { createCa } from "../../../src/pki/ca.js";
import { x509 } from "../../../src/pki/x509.js";

const DAY_MS = 86_400_000;

test("creates a self-signed CA that OpenSSL accepts as the issuer of itself, with a P-256 PKCS#8 key", async () => {
  const ca = await createCa({ commonName: "Aurae test CA" });
  const cert = new X509Certificate(ca.certPem);
  assert.equal(cert.ca, true);
  assert.equal(cert.subject, "CN=Aurae test CA");
  assert.equal(cert.issuer, cert.subject);
  assert.ok(cert.checkIssued(cert));
  assert.ok(cert.verify(cert.publicKey));
  assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
  const key = createPrivateKey(ca.keyPem);
  assert.ok(cert.checkPrivateKey(key));
  assert.equal(key.asymmetricKeyDetails?.namedCurve, "prime256v1");
});

test("marks the CA critical basicConstraints (pathLen 0) and critical keyCertSign|cRLSign, with a key id", async () => {
  const cert = new x509.X509Certificate((await createCa({ commonName: "ca" })).certPem);
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  assert.deepEqual([basic?.critical, basic?.ca, basic?.pathLength], [true, true, 0]);
  const usage = cert.getExtension(x509.KeyUsagesExtension);
  const { keyCertSign, cRLSign } = x509.KeyUsageFlags;
  assert.deepEqual([usage?.critical, usage?.usages], [true, keyCertSign | cRLSign]);
  assert.match(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? "", /^[0-9a-f]{40}$/);
});

test("lasts ten years by default and validDays when given", async () => {
  const lifetimeDays = (pem: string) => {
    const cert = new X509Certificate(pem);
    return (Date.parse(cert.validTo) - Date.now()) / DAY_MS;
  };
  assert.ok(Math.abs(lifetimeDays((await createCa({ commonName: "ca" })).certPem) - 3650) < 0.01);
  assert.ok(Math.abs(lifetimeDays((await createCa({ commonName: "ca", validDays: 2 })).certPem) - 2) < 0.01);
});

test("two CAs have different keys and serials", async () => {
  const [a, b] = await Promise.all([createCa({ commonName: "ca" }), createCa({ commonName: "ca" })]);
  assert.notEqual(a.keyPem, b.keyPem);
  assert.notEqual(new X509Certificate(a.certPem).serialNumber, new X509Certificate(b.certPem).serialNumber);
});

test("refuses an empty common name and a lifetime of zero days, naming the option", async () => {
  await assert.rejects(createCa({ commonName: "" }), { name: "AuraeError", kind: "invalid", field: "commonName" });
  await assert.rejects(createCa({ commonName: "ca", validDays: 0 }), { kind: "invalid", field: "validDays" });
});
