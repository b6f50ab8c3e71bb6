// Certificate fields every issued certificate shares: serial, validity, common name.
import { randomBytes } from "node:crypto";
import { invalid } from "../errors.js";
import { x509 } from "./x509.js";

/** A random positive 16-byte serial, as lowercase hex (the form `canonicalSerial` gives). */
export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  // RFC 5280 4.1.2.2: the serial is a positive INTEGER. Clearing the top bit keeps it positive without a leading
  // zero byte; a non-zero first byte keeps it exactly 16 bytes in minimal DER.
  bytes[0] = (bytes[0]! & 0x7f) || 0x01;
  return bytes.toString("hex");
}

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

// Certificates start five minutes in the past so that a peer whose clock runs a little behind the issuer's
// accepts a certificate issued moments ago instead of failing with "certificate is not yet valid".
const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** From five minutes ago to `validDays` days from now, unless `notBefore` or `notAfter` say otherwise. */
export function validity(opts: { notBefore?: Date; notAfter?: Date; validDays: number }): Validity {
  if (!Number.isInteger(opts.validDays) || opts.validDays < 1)
    throw invalid("validDays", `must be a whole number of days of at least 1, got ${opts.validDays}`);
  const now = Date.now();
  const notBefore = opts.notBefore ?? new Date(now - BACKDATE_MS);
  const notAfter = opts.notAfter ?? new Date(now + opts.validDays * DAY_MS);
  if (Number.isNaN(notBefore.getTime())) throw invalid("notBefore", "is not a valid date");
  if (Number.isNaN(notAfter.getTime())) throw invalid("notAfter", "is not a valid date");
  if (notAfter <= notBefore)
    throw invalid("notAfter", `must be after notBefore (${notBefore.toISOString()}), got ${notAfter.toISOString()}`);
  return { notBefore, notAfter };
}

// RFC 5280 upper bound ub-common-name: some TLS stacks refuse a longer CN when they parse the certificate.
export const MAX_COMMON_NAME_CHARS = 64;

/** The subject name `CN=<commonName>`, as a structured name so that commas and quotes need no escaping. */
export function subjectName(commonName: string, field: string): x509.JsonName {
  if (typeof commonName !== "string" || commonName.trim() === "") throw invalid(field, "must not be empty");
  if (commonName.length > MAX_COMMON_NAME_CHARS)
    throw invalid(field, `must be at most ${MAX_COMMON_NAME_CHARS} characters long, got ${commonName.length}`);
  return [{ CN: [commonName] }];
}

export function parseCertificate(pem: string, field: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch (err) {
    throw invalid(field, `is not a PEM certificate (${(err as Error).message})`);
  }
}
