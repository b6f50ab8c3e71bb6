// Attacks from a security review, pure logic, pinned as regression tests of the defences against them.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";
import { forgedCertificate } from "../../helpers/forged.js";
import { parsePolicy } from "../../../src/daemon/authz/policy.js";
import { createCa } from "../../../src/pki/ca.js";
import { readExtensions } from "../../../src/pki/der.js";
import { issueClientCert } from "../../../src/pki/issue.js";
import { canonicalSerial } from "../../../src/pki/serial.js";
import { verifyClientSvid } from "../../../src/pki/svid.js";


/** Our CA, a federated partner's, and the partner's SVID for our admin. */
async function federation() {
  const ours = await createCa({ commonName: "Aurae CA" });
  const partner = await createCa({ commonName: "Partner CA" });
  const bundles = new Map([
    ["aurae.local", [new X509Certificate(ours.certPem)]],
    ["partner.example", [new X509Certificate(partner.certPem)]],
  ]);
  const impostor = new X509Certificate((await issueClientCert(partner, { spiffeId: "spiffe://aurae.local/admin" })).certPem);
  return { ours, partner, bundles, impostor };
}

test("verifyClientSvid checks every link: a partner's SVID for our admin with a forged link is refused", async () => {
  const { ours, bundles, impostor } = await federation();
  // What Node's getPeerCertificate(true) hands identity.ts when the peer sends [leaf, forged, our CA]: it links
  // each certificate to one whose subject matches its issuer, without checking a single signature.
  const chain = [impostor, await forgedCertificate("CN=Partner CA", "CN=Aurae CA"), new X509Certificate(ours.certPem)];
  assert.ok(!chain[1]!.verify(chain[2]!.publicKey), "the middle link is not signed by our CA");
  const verdict = verifyClientSvid(chain, bundles);
  assert.equal(verdict.ok, false, `verdict: ${JSON.stringify(verdict)}`);
});

test("a partner's SVID for our trust domain with its true chain is refused", async () => {
  const { partner, bundles, impostor } = await federation();
  const verdict = verifyClientSvid([impostor, new X509Certificate(partner.certPem)], bundles);
  assert.deepEqual(verdict, { ok: false, reason: 'spiffe://aurae.local/admin is not signed by a trust anchor of "aurae.local"' });
});

test("a certificate whose serial is longer than 32 bytes can be denied by serial", async () => {
  // OpenSSL (so TLS and Node) accepts such a serial; a federated partner's CA may well issue one.
  const cert = await forgedCertificate("CN=long serial", "CN=long serial", "7f".repeat(33));
  const serial = cert.serialNumber;
  assert.equal(serial.length, 66);
  // identity.ts keeps `canonicalSerial(...) ?? ""` as the connection's serial: "" matches no deny entry...
  const onConnection = canonicalSerial(serial) ?? "";
  // ...and the policy cannot name it either: the file is refused.
  const policy = (() => {
    try {
      return parsePolicy(`[deny]\nserials = ["${serial}"]\n`, "policy.toml");
    } catch (err) {
      return (err as Error).message;
    }
  })();
  assert.ok(typeof policy !== "string" && policy.deny.serials.includes(onConnection) && onConnection !== "", `connection serial "${onConnection}", policy: ${JSON.stringify(policy)}`);
});

test("readExtensions refuses truncated and overlong encodings instead of reading past them", async () => {
  const ca = await createCa({ commonName: "x" });
  const der = new X509Certificate((await issueClientCert(ca, { spiffeId: "spiffe://a.b/c" })).certPem).raw;
  for (let cut = 0; cut < der.length; cut += 7) assert.throws(() => readExtensions(der.subarray(0, cut)), Error);
  const indefinite = Buffer.from(der);
  indefinite[1] = 0x80; // indefinite length: not DER
  assert.throws(() => readExtensions(indefinite), /bad length/);
  const huge = Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00]);
  assert.throws(() => readExtensions(huge), /truncated/);
});

test("every rpc of proto/ is classified in methods.ts (none falls to the unclassified default)", async () => {
  const { readdir, readFile } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const { methodAccess } = await import("../../../src/daemon/authz/methods.js");
  const root = new URL("../../../proto/", import.meta.url).pathname;
  const unclassified = methodAccess("/no.such.v1.Service/Method");
  const rpcs: string[] = [];
  for (const file of (await readdir(root, { recursive: true })).filter((f) => f.endsWith(".proto"))) {
    const text = await readFile(join(root, file), "utf8");
    const pkg = /^package ([\w.]+);/m.exec(text)![1];
    for (const [, service, body] of text.matchAll(/service (\w+) \{([\s\S]*?)\n\}/g))
      for (const [, method] of body!.matchAll(/rpc (\w+)\(/g)) rpcs.push(`/${pkg}.${service}/${method}`);
  }
  assert.equal(rpcs.length, 40, rpcs.join("\n"));
  assert.deepEqual(rpcs.filter((rpc) => methodAccess(rpc) === unclassified), []);
});
