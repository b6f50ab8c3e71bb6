// What a certificate says, in plain fields, for `aer` to list and for tests to check.
import { parseCertificate } from "./fields.js";
import { x509 } from "./x509.js";

export interface CertificateDescription {
  /** RFC 4514 form, e.g. `CN=nova`. */
  readonly subject: string;
  readonly issuer: string;
  /** Lowercase hex, as `issueCertificate` returns it. */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly uris: string[];
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
  readonly isCa: boolean;
}

export function describeCertificate(pem: string, field = "certPem"): CertificateDescription {
  const cert = parseCertificate(pem, field);
  const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const valuesOf = (type: x509.GeneralNameType): string[] =>
    names.filter((name) => name.type === type).map((name) => name.value);
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serialNumber,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    uris: valuesOf("url"),
    dnsNames: valuesOf("dns"),
    ipAddresses: valuesOf("ip"),
    isCa: cert.getExtension(x509.BasicConstraintsExtension)?.ca === true,
  };
}
