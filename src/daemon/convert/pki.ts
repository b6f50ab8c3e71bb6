// The one file that knows both shapes of a certificate record.
import type { CertificateRecord } from "../../domain/pki/node-certificates.js";
import type * as pb from "../../gen/aurae/pki/v1/pki.js";

export const certificateToProto = (c: CertificateRecord): pb.Certificate => ({
  serial: c.serial,
  kind: c.kind,
  spiffeId: c.spiffeId,
  serverNames: JSON.parse(c.serverNames) as string[],
  notBefore: new Date(c.notBeforeMs),
  notAfter: new Date(c.notAfterMs),
  issuedAt: new Date(c.issuedAtMs),
  issuedBy: c.issuedBy,
  revokedAt: c.revokedAtMs === null ? undefined : new Date(c.revokedAtMs),
  revokedBy: c.revokedBy ?? "",
  revokeReason: c.revokeReason ?? "",
});
