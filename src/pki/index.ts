// The PKI library: a dev/cluster CA, server and client (SPIFFE X.509-SVID) certificates, SPIFFE ID parsing, and
// writing the results to disk with safe modes.
export { type CaOptions, createCa } from "./ca.js";
export { type PkiFileSet, type WritePkiFilesOptions, writePkiFiles } from "./files.js";
export {
  type CertificateRequest,
  type CertificateUsage,
  type ClientCertOptions,
  type IssuedCertificate,
  type ServerCertOptions,
  issueCertificate,
  issueClientCert,
  issueServerCert,
} from "./issue.js";
export type { Pem } from "./keys.js";
export { type SpiffeId, isValidTrustDomain, lastPathSegment, parseSpiffeId } from "./spiffe.js";
