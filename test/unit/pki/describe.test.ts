import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";
import { createCa } from "../../../src/pki/ca.js";
import { describeCertificate } from "../../../src/pki/describe.js";
import { issueCertificate } from "../../../src/pki/issue.js";

test("describes subject, issuer, serial, validity, SANs and CA flag as OpenSSL reads them", async () => {
  const ca = await createCa({ commonName: "Aurae test CA" });
  const notBefore = new Date("2030-01-01T00:00:00Z");
  const notAfter = new Date("2031-01-01T00:00:00Z");
  const issued = await issueCertificate(ca, {
    commonName: "node1",
    usage: "server",
    dnsNames: ["node1.lan"],
    ipAddresses: ["10.0.0.1", "fd00::1"],
    uris: ["spiffe://aurae.local/nodes/node1"],
    notBefore,
    notAfter,
  });
  assert.deepEqual(describeCertificate(issued.certPem), {
    subject: "CN=node1",
    issuer: "CN=Aurae test CA",
    serial: issued.serial,
    notBefore,
    notAfter,
    uris: ["spiffe://aurae.local/nodes/node1"],
    dnsNames: ["node1.lan"],
    ipAddresses: ["10.0.0.1", "fd00::1"],
    isCa: false,
  });
  const caDescription = describeCertificate(ca.certPem);
  assert.equal(caDescription.isCa, true);
  assert.equal(caDescription.serial.toUpperCase(), new X509Certificate(ca.certPem).serialNumber);
});

test("refuses text that is not a certificate, naming the field", () => {
  assert.throws(() => describeCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), {
    kind: "invalid",
    field: "certPem",
    message: /^certPem: is not a PEM certificate/,
  });
  assert.throws(() => describeCertificate("hello", "client_crt"), { field: "client_crt" });
});
