// Key pairs and their PEM form. Keys are ECDSA P-256: every TLS stack Aurae talks to (OpenSSL under Node,
// BoringSSL under grpc-core, Go, rustls) accepts it, and generating one takes well under a millisecond.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { invalid } from "../errors.js";
import { type CryptoKey, type CryptoKeyPair, crypto, x509 } from "./x509.js";

/** A certificate and its private key, both PEM: the certificate as `CERTIFICATE`, the key as PKCS#8 `PRIVATE KEY`. */
export interface Pem {
  readonly certPem: string;
  readonly keyPem: string;
}

export const EC_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;

export const generateKeyPair = (): Promise<CryptoKeyPair> =>
  crypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]);

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

/** The PKCS#8 DER of a PEM private key (PKCS#8, SEC1 or PKCS#1 in). */
export function privateKeyDer(pem: string, field: string): Buffer {
  try {
    return createPrivateKey({ key: pem, format: "pem" }).export({ type: "pkcs8", format: "der" });
  } catch (err) {
    throw invalid(field, `is not a PEM private key (${(err as Error).message})`);
  }
}

/** The SubjectPublicKeyInfo DER of the public half of a PKCS#8 DER private key. */
export function publicKeyDerOf(pkcs8: Buffer): Buffer {
  const privateKey = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  return createPublicKey(privateKey).export({ type: "spki", format: "der" });
}

const EC_CURVES: Readonly<Record<string, string>> = { prime256v1: "P-256", secp384r1: "P-384" };

/** Imports a PEM SubjectPublicKeyInfo to certify: ECDSA P-256 or P-384, the keys every TLS stack here accepts. */
export async function importPublicKey(pem: string, field: string): Promise<CryptoKey> {
  let key;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch (err) {
    throw invalid(field, `is not a PEM public key (${(err as Error).message})`);
  }
  const curve = key.asymmetricKeyType === "ec" ? EC_CURVES[key.asymmetricKeyDetails?.namedCurve ?? ""] : undefined;
  if (curve === undefined) throw invalid(field, `must be an ECDSA P-256 or P-384 key, got ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ""}`.trim());
  return crypto.subtle.importKey("spki", key.export({ type: "spki", format: "der" }), { name: "ECDSA", namedCurve: curve }, true, ["verify"]);
}
