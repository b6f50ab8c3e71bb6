// Signing with a CA held as PEM: load it once, checked, then sign certificates for fresh key pairs.
import { invalid, precondition } from "../errors.js";
import { parseCertificate } from "./fields.js";
import { EC_P256, type Pem, privateKeyDer, privateKeyToPem, publicKeyDerOf } from "./keys.js";
import { type CryptoKey, type CryptoKeyPair, crypto, x509 } from "./x509.js";

/** A CA ready to sign: its certificate, its signing key, and the key identifier issued certificates point back to. */
export interface Signer {
  readonly cert: x509.X509Certificate;
  readonly key: CryptoKey;
  readonly keyId: string;
}

/** Loads a CA from PEM, refusing a certificate that is not a CA and a key that is not the certificate's. */
export async function loadSigner(ca: Pem, field = "ca"): Promise<Signer> {
  const cert = parseCertificate(ca.certPem, `${field}.certPem`);
  if (!cert.getExtension(x509.BasicConstraintsExtension)?.ca)
    throw precondition(`${field}.certPem: "${cert.subject}" is not a CA certificate (basicConstraints CA is not set)`);
  const der = privateKeyDer(ca.keyPem, `${field}.keyPem`);
  if (!publicKeyDerOf(der).equals(Buffer.from(cert.publicKey.rawData)))
    throw invalid(`${field}.keyPem`, `is not the private key of "${cert.subject}"`);
  const key = await crypto.subtle.importKey("pkcs8", der, EC_P256, false, ["sign"]).catch((err: Error) => {
    throw invalid(`${field}.keyPem`, `must be an ECDSA P-256 key (${err.message})`);
  });
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const keyId = ski?.keyId ?? (await x509.SubjectKeyIdentifierExtension.create(cert.publicKey, false, crypto)).keyId;
  return { cert, key, keyId };
}

/** Certifies `publicKey`, signed by `signingKey` (ECDSA with SHA-256, from the key's own algorithm). */
export async function certifyKey(params: Omit<x509.X509CertificateCreateWithKeyParams, "publicKey">, publicKey: CryptoKey): Promise<string> {
  const cert = await x509.X509CertificateGenerator.create({ ...params, publicKey }, crypto);
  // A trailing newline, as in PEM files made by openssl, so that files can be concatenated into bundles.
  return `${cert.toString("pem")}\n`;
}

/** Certifies the public half of `keys` and returns the certificate with the private half. */
export async function signCertificate(
  params: Omit<x509.X509CertificateCreateWithKeyParams, "publicKey">,
  keys: CryptoKeyPair,
): Promise<Pem> {
  return { certPem: await certifyKey(params, keys.publicKey), keyPem: `${await privateKeyToPem(keys.privateKey)}\n` };
}
