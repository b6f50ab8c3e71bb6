// The cluster's root CA: self-signed, allowed to sign end-entity certificates only (pathLen 0), so a leaked
// server or client key cannot mint further identities.
import { randomSerialHex, subjectName, validity } from "./fields.js";
import { type Pem, generateKeyPair } from "./keys.js";
import { signCertificate } from "./signer.js";
import { crypto, x509 } from "./x509.js";

export interface CaOptions {
  readonly commonName: string;
  /** Default 3650 (ten years). */
  readonly validDays?: number;
}

export async function createCa({ commonName, validDays = 3650 }: CaOptions): Promise<Pem> {
  const name = subjectName(commonName, "commonName");
  const keys = await generateKeyPair();
  return signCertificate(
    {
      ...validity({ validDays }),
      serialNumber: randomSerialHex(),
      subject: name,
      issuer: name,
      signingKey: keys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    keys,
  );
}
