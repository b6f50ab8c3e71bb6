// X.509-SVID rules for client certificates, on real certificates of a test CA.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { before, test } from "node:test";
import { createCa } from "../../../src/pki/ca.js";
import { readExtensions } from "../../../src/pki/der.js";
import { issueCertificate, issueClientCert } from "../../../src/pki/issue.js";
import type { Pem } from "../../../src/pki/keys.js";
import { verifyClientSvid, type TrustBundles } from "../../../src/pki/svid.js";

let ca: Pem;
let other: Pem;
let bundles: TrustBundles;
before(async () => {
  ca = await createCa({ commonName: "ours" });
  other = await createCa({ commonName: "partner" });
  bundles = new Map([
    ["aurae.local", [new X509Certificate(ca.certPem)]],
    ["partner.example", [new X509Certificate(other.certPem)]],
  ]);
});

const chain = (leaf: Pem, root: Pem) => [new X509Certificate(leaf.certPem), new X509Certificate(root.certPem)];

test("reads key usage and URI SANs from DER", async () => {
  const leaf = await issueClientCert(ca, { spiffeId: "spiffe://aurae.local/ci" });
  assert.deepEqual(readExtensions(new X509Certificate(leaf.certPem).raw), {
    keyUsage: { digitalSignature: true, keyCertSign: false, cRLSign: false },
    uris: ["spiffe://aurae.local/ci"],
  });
  assert.deepEqual(readExtensions(new X509Certificate(ca.certPem).raw).keyUsage, { digitalSignature: false, keyCertSign: true, cRLSign: true });
  assert.throws(() => readExtensions(new Uint8Array([0x30, 0x05, 0x30])), /malformed certificate/);
});

test("a valid SVID of a trusted domain is accepted, with its ID", async () => {
  const verdict = verifyClientSvid(chain(await issueClientCert(ca, { spiffeId: "spiffe://aurae.local/ci" }), ca), bundles);
  assert.deepEqual(verdict.ok && verdict.id.id, "spiffe://aurae.local/ci");
});

test("each X.509-SVID rule refuses with its reason", async () => {
  const cases: [string, Pem, Pem, RegExp][] = [
    ["a CA", await issueCertificate(ca, { commonName: "sub", usage: "client", isCa: true, uris: ["spiffe://aurae.local/x"] }), ca, /is a CA certificate/],
    ["a server certificate", await issueCertificate(ca, { commonName: "s", usage: "server", uris: ["spiffe://aurae.local/x"] }), ca, /not for client authentication/],
    ["no URI", await issueCertificate(ca, { commonName: "n", usage: "client" }), ca, /0 URI SANs/],
    ["two URIs", await issueCertificate(ca, { commonName: "n", usage: "client", uris: ["spiffe://aurae.local/a", "spiffe://aurae.local/b"] }), ca, /2 URI SANs/],
    ["a non-SPIFFE URI", await issueCertificate(ca, { commonName: "n", usage: "client", uris: ["https://aurae.local/a"] }), ca, /scheme must be "spiffe"/],
    ["a trust domain ID", await issueCertificate(ca, { commonName: "n", usage: "client", uris: ["spiffe://aurae.local"] }), ca, /needs a path/],
    ["a dot segment", await issueCertificate(ca, { commonName: "n", usage: "client", uris: ["spiffe://aurae.local/a/../b"] }), ca, /"\." or "\.\."/],
    ["an untrusted domain", await issueClientCert(ca, { spiffeId: "spiffe://elsewhere.example/a" }), ca, /"elsewhere\.example" .* is not trusted/],
    ["another domain's anchor", await issueClientCert(other, { spiffeId: "spiffe://aurae.local/admin" }), other, /not signed by a trust anchor of "aurae\.local"/],
  ];
  for (const [what, leaf, root, reason] of cases) {
    const verdict = verifyClientSvid(chain(leaf, root), bundles);
    assert.ok(!verdict.ok && reason.test(verdict.reason), `${what}: ${JSON.stringify(verdict)}`);
  }
  assert.deepEqual(verifyClientSvid([], bundles), { ok: false, reason: "no client certificate" });
});
