// Certificates an attacker makes: named as if issued by someone, signed by a throwaway key (so by nobody).
import { X509Certificate } from "node:crypto";
import { generateKeyPair } from "../../src/pki/keys.js";
import { crypto, x509 } from "../../src/pki/x509.js";

/** A CA certificate named `subject`, claiming `issuer` as its issuer, that no issuer signed. */
export async function forgedCertificate(subject: string, issuer: string, serialNumber = "0badc0de"): Promise<X509Certificate> {
  const junk = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber,
      subject,
      issuer,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingKey: junk.privateKey,
      publicKey: junk.publicKey,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    },
    crypto,
  );
  return new X509Certificate(Buffer.from(cert.rawData));
}
