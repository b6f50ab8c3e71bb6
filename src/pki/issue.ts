// End-entity certificates signed by the CA: servers (DNS and IP SANs) and clients (one SPIFFE ID URI SAN, the
// X.509-SVID shape). `issueCertificate` is the general form; it checks syntax only, so tests can also make the
// certificates a verifier must refuse (no URI SAN, two of them, a non-SPIFFE URI, expired, a CA as a client).
import { isIP } from "node:net";
import { invalid } from "../errors.js";
import { MAX_COMMON_NAME_CHARS, randomSerialHex, subjectName, validity } from "./fields.js";
import { type Pem, generateKeyPair, importPublicKey, privateKeyToPem } from "./keys.js";
import { certifyKey, loadSigner } from "./signer.js";
import { lastPathSegment, parseSpiffeId } from "./spiffe.js";
import { type CryptoKey, crypto, x509 } from "./x509.js";

export type CertificateUsage = "client" | "server";

export interface CertificateRequest {
  readonly commonName: string;
  /** Sets extKeyUsage to clientAuth or serverAuth. */
  readonly usage: CertificateUsage;
  readonly uris?: readonly string[];
  readonly dnsNames?: readonly string[];
  /** IPv4 or IPv6 literals (`127.0.0.1`, `::1`). */
  readonly ipAddresses?: readonly string[];
  /** Default: five minutes ago, so peers with a slightly slow clock accept the certificate at once. */
  readonly notBefore?: Date;
  /** Default: `validDays` from now. */
  readonly notAfter?: Date;
  /** Default 365. */
  readonly validDays?: number;
  /** Makes it a CA (basicConstraints CA, keyCertSign): only for tests of verifiers that must refuse one. */
  readonly isCa?: boolean;
}

/** An issued certificate, its PKCS#8 key, and its serial as lowercase hex. */
export interface IssuedCertificate extends Pem {
  readonly serial: string;
}

export interface ServerCertOptions {
  readonly commonName: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  /** Default 825, the longest lifetime browsers accepted for a TLS server certificate. */
  readonly validDays?: number;
}

export interface ClientCertOptions {
  /** The caller's identity, e.g. `spiffe://aurae.local/users/nova`; validated by `parseSpiffeId`. */
  readonly spiffeId: string;
  /** Default 365. */
  readonly validDays?: number;
  /** Instead of validDays: the end of its validity (a workload SVID of a few hours). */
  readonly notAfter?: Date;
}

export async function issueCertificate(ca: Pem, req: CertificateRequest): Promise<IssuedCertificate> {
  const keys = await generateKeyPair();
  const { certPem, serial } = await certifyPublicKey(ca, req, keys.publicKey);
  return { certPem, keyPem: `${await privateKeyToPem(keys.privateKey)}\n`, serial };
}

/** Certifies a public key whose private half stays with its owner; answers the certificate and its serial. */
export async function certifyPublicKey(ca: Pem, req: CertificateRequest, publicKey: CryptoKey): Promise<{ certPem: string; serial: string }> {
  const subject = subjectName(req.commonName, "commonName");
  const names = subjectAltNames(req);
  const when = validity({ notBefore: req.notBefore, notAfter: req.notAfter, validDays: req.validDays ?? 365 });
  const signer = await loadSigner(ca);
  const serial = randomSerialHex();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(req.isCa === true, req.isCa ? 0 : undefined, true),
    new x509.KeyUsagesExtension(keyUsage(req.isCa === true), true),
    new x509.ExtendedKeyUsageExtension([EXTENDED_KEY_USAGE[req.usage]]),
    await x509.SubjectKeyIdentifierExtension.create(publicKey, false, crypto),
    new x509.AuthorityKeyIdentifierExtension(signer.keyId),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const certPem = await certifyKey(
    { ...when, serialNumber: serial, subject, issuer: signer.cert.subjectName, signingKey: signer.key, extensions },
    publicKey,
  );
  return { certPem, serial };
}

/** A TLS server certificate for `dnsNames` and `ipAddresses` (at least one of them: clients ignore the CN). */
export async function issueServerCert(ca: Pem, opts: ServerCertOptions): Promise<IssuedCertificate> {
  const { commonName, dnsNames = [], ipAddresses = [], validDays = 825 } = opts;
  if (dnsNames.length + ipAddresses.length === 0)
    throw invalid("dnsNames", "a server certificate needs at least one DNS name or IP address");
  return issueCertificate(ca, { commonName, dnsNames, ipAddresses, validDays, usage: "server" });
}

/** A client certificate whose one URI SAN is `spiffeId` (an X.509-SVID); CN is the ID's last path segment. */
export async function issueClientCert(ca: Pem, opts: ClientCertOptions): Promise<IssuedCertificate> {
  const when = opts.notAfter ? { notAfter: opts.notAfter } : { validDays: opts.validDays ?? 365 };
  return issueCertificate(ca, svidRequest(opts.spiffeId, "spiffeId", when));
}

/** An X.509-SVID for `spiffeId` over a public key (PEM) its owner generated, valid until `notAfter`. */
export async function certifySvidKey(ca: Pem, opts: { spiffeId: string; publicKeyPem: string; notAfter: Date }): Promise<{ certPem: string; serial: string }> {
  const publicKey = await importPublicKey(opts.publicKeyPem, "public_key_pem");
  return certifyPublicKey(ca, svidRequest(opts.spiffeId, "spiffe_id", { notAfter: opts.notAfter }), publicKey);
}

function svidRequest(spiffeId: string, field: string, when: Pick<CertificateRequest, "validDays" | "notAfter">): CertificateRequest {
  const id = parseSpiffeId(spiffeId, field);
  if (id.path === "") throw invalid(field, `${id.id} names a trust domain; an X.509-SVID's ID needs a path`);
  // The CN is only a label for humans (the URI SAN is the identity), so a long one is cut rather than refused.
  const commonName = (lastPathSegment(id) ?? id.id).slice(0, MAX_COMMON_NAME_CHARS);
  return { commonName, uris: [id.id], usage: "client", ...when };
}

const EXTENDED_KEY_USAGE: Record<CertificateUsage, x509.ExtendedKeyUsage> = {
  client: x509.ExtendedKeyUsage.clientAuth,
  server: x509.ExtendedKeyUsage.serverAuth,
};

// ECDSA keys only sign (no keyEncipherment): TLS 1.2 ECDHE and TLS 1.3 need digitalSignature alone.
function keyUsage(isCa: boolean): x509.KeyUsageFlags {
  const { digitalSignature, keyCertSign, cRLSign } = x509.KeyUsageFlags;
  return isCa ? digitalSignature | keyCertSign | cRLSign : digitalSignature;
}

function subjectAltNames(req: CertificateRequest): x509.JsonGeneralName[] {
  const names: x509.JsonGeneralName[] = [];
  (req.dnsNames ?? []).forEach((value, i) => {
    if (!isDnsName(value)) throw invalid(`dnsNames[${i}]`, `must be a DNS name such as "node1.lan", got "${value}"`);
    names.push({ type: "dns", value });
  });
  (req.ipAddresses ?? []).forEach((value, i) => {
    if (isIP(value) === 0) throw invalid(`ipAddresses[${i}]`, `must be an IPv4 or IPv6 address, got "${value}"`);
    names.push({ type: "ip", value });
  });
  (req.uris ?? []).forEach((value, i) => {
    if (!URL.canParse(value)) throw invalid(`uris[${i}]`, `must be an absolute URI, got "${value}"`);
    names.push({ type: "url", value });
  });
  return names;
}

// RFC 1123 host names, optionally with a leading "*." wildcard label (RFC 6125 6.4.3).
const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
function isDnsName(name: string): boolean {
  if (typeof name !== "string" || name.length === 0 || name.length > 253) return false;
  const labels = name.split(".");
  if (labels[0] === "*" && labels.length > 2) labels.shift();
  return labels.every((label) => DNS_LABEL.test(label));
}
