// Just enough DER to read the two certificate extensions Node's X509Certificate leaves out: the key usage bits and
// the URI SANs (Node renders SANs as one display string, which is no basis for an identity). Verifying a client's
// SVID on every connection must not need a full ASN.1 library in the daemon.

interface Tlv {
  readonly tag: number;
  /** Where the value starts and ends in the buffer. */
  readonly start: number;
  readonly end: number;
}

const SEQUENCE = 0x30;
const OID = 0x06;
const BOOLEAN = 0x01;
const OCTET_STRING = 0x04;
const BIT_STRING = 0x03;
/** [3] EXPLICIT, constructed: the extensions of a TBSCertificate. */
const EXTENSIONS_TAG = 0xa3;
/** [6] IMPLICIT IA5String: a GeneralName's uniformResourceIdentifier. */
const URI_NAME_TAG = 0x86;

const KEY_USAGE_OID = Buffer.from([0x55, 0x1d, 0x0f]); // 2.5.29.15
const SUBJECT_ALT_NAME_OID = Buffer.from([0x55, 0x1d, 0x11]); // 2.5.29.17

/** RFC 5280 4.2.1.3: the key usage bits a verifier of SVIDs cares about. */
export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
}

export interface CertificateExtensions {
  /** Undefined when the certificate has no key usage extension. */
  readonly keyUsage: KeyUsage | undefined;
  /** Every uniformResourceIdentifier of the subject alternative names, in order. */
  readonly uris: string[];
}

/** Reads the key usage and URI SANs of a DER certificate; throws on a malformed encoding. */
export function readExtensions(der: Uint8Array): CertificateExtensions {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  const certificate = expect(buf, 0, SEQUENCE, "Certificate");
  const tbs = expect(buf, certificate.start, SEQUENCE, "TBSCertificate");
  let keyUsage: KeyUsage | undefined;
  let uris: string[] = [];
  for (const field of children(buf, tbs)) {
    if (field.tag !== EXTENSIONS_TAG) continue;
    const list = expect(buf, field.start, SEQUENCE, "Extensions");
    for (const extension of children(buf, list)) {
      const [oid, ...rest] = children(buf, extension);
      const value = rest.at(-1);
      if (oid?.tag !== OID || value?.tag !== OCTET_STRING || (rest.length === 2 && rest[0]!.tag !== BOOLEAN))
        throw new Error("malformed certificate extension");
      const id = buf.subarray(oid.start, oid.end);
      if (id.equals(KEY_USAGE_OID)) keyUsage = readKeyUsage(buf, value);
      else if (id.equals(SUBJECT_ALT_NAME_OID)) uris = readUris(buf, value);
    }
  }
  return { keyUsage, uris };
}

function readKeyUsage(buf: Buffer, value: Tlv): KeyUsage {
  const bits = expect(buf, value.start, BIT_STRING, "KeyUsage");
  // The first content byte counts the unused bits; bit 0 (digitalSignature) is the most significant bit after it.
  const first = bits.end - bits.start > 1 ? buf[bits.start + 1]! : 0;
  return { digitalSignature: (first & 0x80) !== 0, keyCertSign: (first & 0x04) !== 0, cRLSign: (first & 0x02) !== 0 };
}

function readUris(buf: Buffer, value: Tlv): string[] {
  const names = expect(buf, value.start, SEQUENCE, "SubjectAltName");
  return children(buf, names)
    .filter((name) => name.tag === URI_NAME_TAG)
    .map((name) => buf.toString("latin1", name.start, name.end));
}

function expect(buf: Buffer, offset: number, tag: number, what: string): Tlv {
  const tlv = readTlv(buf, offset);
  if (tlv.tag !== tag) throw new Error(`malformed certificate: ${what} is not where it belongs`);
  return tlv;
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = parent.start; offset < parent.end; ) {
    const tlv = readTlv(buf, offset);
    if (tlv.end > parent.end) throw new Error("malformed certificate: a field overruns its parent");
    out.push(tlv);
    offset = tlv.end;
  }
  return out;
}

function readTlv(buf: Buffer, offset: number): Tlv {
  if (offset + 2 > buf.length) throw new Error("malformed certificate: truncated");
  const tag = buf[offset]!;
  let length = buf[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4 || start + octets > buf.length) throw new Error("malformed certificate: bad length");
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + buf[start + i]!;
    start += octets;
  }
  const end = start + length;
  if (end > buf.length) throw new Error("malformed certificate: truncated");
  return { tag, start, end };
}
