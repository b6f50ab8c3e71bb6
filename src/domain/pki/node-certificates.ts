// The node's certificates, issued with the CA in auraed's PKI directory and recorded in the node database: client
// SVIDs for identities, revocations (checked on every call), and the daemon's own server certificate. The signing
// library is loaded on first use: a daemon that never issues never pays its memory.
import { X509Certificate } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import { errnoCode, invalid, notFound, precondition } from "../../errors.js";
import { readExtensions } from "../../pki/der.js";
import { ISSUED_DIR } from "../../pki/files.js";
import { canonicalSerial } from "../../pki/serial.js";
import { parseSpiffeId, parseSpiffeIdOrPrefix } from "../../pki/spiffe.js";
import type { CertificateRow, CertificatesStore } from "../../store/certificates-store.js";
import { decodePageToken, encodePageToken, validatePageSize, type PageRequest } from "../pagination.js";

export interface NodeCertificatesDeps {
  readonly store: CertificatesStore;
  readonly pkiDir: string;
  /** Trust domains the node's CA issues for. */
  readonly trustDomains: readonly string[];
  /** Called after the server certificate files were replaced, to serve them. */
  readonly serverRotated: () => Promise<void>;
  /** Called after a revocation, so that calls already under way under that certificate end. */
  readonly revoked?: () => void;
  readonly now?: () => number;
}

export type CertificateRecord = CertificateRow;

const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;
const CLIENT_TTL = { min: 60, max: 2 * 365 * DAY_S, fallback: DAY_S };
const SERVER_TTL = { min: HOUR_S, max: 825 * DAY_S, fallback: 825 * DAY_S };

export class NodeCertificates {
  readonly #revoked: Set<string>;
  readonly #now: () => number;

  constructor(private readonly deps: NodeCertificatesDeps) {
    this.#now = deps.now ?? Date.now;
    this.#revoked = new Set(deps.store.revokedSerials());
  }

  /** Whether a serial was revoked through this API. Called on every call: a set lookup. */
  isRevoked(serial: string): boolean {
    return this.#revoked.has(serial);
  }

  async issueClient(req: { spiffeId: string; publicKeyPem: string; ttlSeconds: number }, issuedBy: string): Promise<{ record: CertificateRecord; certPem: string; caPem: string }> {
    const id = parseSpiffeId(req.spiffeId, "spiffe_id");
    if (!this.deps.trustDomains.includes(id.trustDomain))
      throw invalid("spiffe_id", `trust domain "${id.trustDomain}" is not this node's (${this.deps.trustDomains.join(", ")}); federated domains issue their own`);
    const ttl = lifetime(req.ttlSeconds, CLIENT_TTL);
    const { certifySvidKey } = await import("../../pki/issue.js");
    const ca = await this.#ca();
    const { certPem } = await certifySvidKey(ca, { spiffeId: id.id, publicKeyPem: req.publicKeyPem, notAfter: new Date(this.#now() + ttl * 1000) });
    const record = this.#record(certPem, "client", issuedBy);
    return { record, certPem, caPem: ca.certPem };
  }

  /** An SVID with its key, made here, for a cell's workloads; recorded like any other. */
  async issueWorkload(spiffeId: string, notAfter: Date): Promise<{ certPem: string; keyPem: string; caPem: string }> {
    const { issueClientCert } = await import("../../pki/issue.js");
    const ca = await this.#ca();
    const issued = await issueClientCert(ca, { spiffeId, notAfter });
    this.#record(issued.certPem, "client", "auraed (cell workload identity)");
    return { certPem: issued.certPem, keyPem: issued.keyPem, caPem: ca.certPem };
  }

  list(filter: { spiffeId: string }, page: PageRequest): { certificates: CertificateRecord[]; nextPageToken: string } {
    if (filter.spiffeId !== "") parseSpiffeIdOrPrefix(filter.spiffeId, "spiffe_id");
    const size = validatePageSize(page.pageSize);
    const [ms, serial] = decodePageToken(page.pageToken, 2);
    const after = page.pageToken === "" ? undefined : { issuedAtMs: pageKeyTime(ms!), serial: serial! };
    const rows = this.deps.store.page({ after, spiffeId: filter.spiffeId, limit: size + 1 });
    const certificates = rows.slice(0, size);
    const last = certificates.at(-1);
    return { certificates, nextPageToken: rows.length > size && last ? encodePageToken([String(last.issuedAtMs), last.serial]) : "" };
  }

  revoke(serialText: string, reason: string, by: string): CertificateRecord {
    const serial = canonicalSerial(serialText);
    if (serial === undefined) throw invalid("serial", `"${serialText}" is not a certificate serial number in hex`);
    if (reason.length > 1024) throw invalid("reason", `must be at most 1024 characters, got ${reason.length}`);
    if (!this.deps.store.get(serial)) throw notFound(`no certificate with serial ${serial} was issued by this node (aer pki list)`);
    this.deps.store.revoke(serial, by, reason, this.#now());
    this.#revoked.add(serial);
    this.deps.revoked?.();
    return this.deps.store.get(serial)!;
  }

  /** Replaces server.crt and server.key (each whole, the key first) and has them served. */
  async rotateServer(req: { ttlSeconds: number; dnsNames: readonly string[]; ipAddresses: readonly string[] }, by: string): Promise<CertificateRecord> {
    const ttl = lifetime(req.ttlSeconds, SERVER_TTL);
    const current = new X509Certificate(await this.#read("server.crt"));
    const names = req.dnsNames.length + req.ipAddresses.length > 0 ? { dnsNames: req.dnsNames, ipAddresses: req.ipAddresses } : serverNamesOf(current);
    const { issueServerCert, writePkiFiles } = await import("../../pki/index.js");
    const ca = await this.#ca();
    const issued = await issueServerCert(ca, { commonName: "auraed", ...names, validDays: Math.max(1, Math.ceil(ttl / DAY_S)) });
    await writePkiFiles(this.deps.pkiDir, { server: issued }, { overwrite: true });
    const record = this.#record(issued.certPem, "server", by);
    await this.deps.serverRotated();
    return record;
  }

  /**
   * Records the certificates issued outside the API, so that they are listed and can be revoked: the server
   * certificate, and the client certificates `aer pki init` and `aer pki issue --offline` copy to pki/issued/.
   */
  async adoptIssuedFiles(): Promise<void> {
    const dir = join(this.deps.pkiDir, ISSUED_DIR);
    const names = await readdir(dir).catch((err: unknown) => {
      if (errnoCode(err) === "ENOENT") return [];
      throw err;
    });
    for (const name of names.filter((n) => n.endsWith(".crt"))) this.#record(await readFile(join(dir, name), "utf8"), "client", "aer pki (offline)");
    this.#record(await this.#read("server.crt"), "server", "aer pki init");
  }

  #record(certPem: string, kind: "client" | "server", issuedBy: string): CertificateRecord {
    const cert = new X509Certificate(certPem);
    const row: CertificateRow = {
      serial: canonicalSerial(cert.serialNumber)!,
      kind,
      spiffeId: kind === "client" ? (readExtensions(cert.raw).uris[0] ?? "") : "",
      serverNames: JSON.stringify(kind === "server" ? Object.values(serverNamesOf(cert)).flat() : []),
      notBeforeMs: Date.parse(cert.validFrom),
      notAfterMs: Date.parse(cert.validTo),
      issuedAtMs: this.#now(),
      issuedBy,
      revokedAtMs: null,
      revokedBy: null,
      revokeReason: null,
    };
    this.deps.store.insert(row);
    return this.deps.store.get(row.serial)!;
  }

  async #ca(): Promise<{ certPem: string; keyPem: string }> {
    const [certPem, keyPem] = await Promise.all([this.#read("ca.crt"), this.#read("ca.key")]);
    return { certPem, keyPem };
  }

  async #read(name: string): Promise<string> {
    const path = join(this.deps.pkiDir, name);
    try {
      return await readFile(path, "utf8");
    } catch (err) {
      throw precondition(`read ${path}: ${errnoCode(err) ?? String(err)} (this node's CA key must be present to issue)`, { cause: err });
    }
  }
}

function lifetime(seconds: number, bounds: { min: number; max: number; fallback: number }): number {
  if (seconds === 0) return bounds.fallback;
  if (!Number.isSafeInteger(seconds) || seconds < bounds.min || seconds > bounds.max)
    throw invalid("ttl_seconds", `must be from ${bounds.min} to ${bounds.max} seconds, got ${seconds}`);
  return seconds;
}

function pageKeyTime(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw invalid("page_token", "is not a token this API returned");
  return Number(text);
}

function serverNamesOf(cert: X509Certificate): { dnsNames: string[]; ipAddresses: string[] } {
  const entries = (cert.subjectAltName ?? "").split(", ");
  const dnsNames = entries.filter((e) => e.startsWith("DNS:")).map((e) => e.slice(4));
  const ipAddresses = entries.filter((e) => e.startsWith("IP Address:")).map((e) => e.slice(11)).filter((ip) => isIP(ip) !== 0);
  return { dnsNames, ipAddresses };
}
