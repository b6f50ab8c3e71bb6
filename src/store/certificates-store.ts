// The certificates the node issued, and which of them are revoked.
import type { Db } from "./database.js";

export interface CertificateRow {
  readonly serial: string;
  readonly kind: "client" | "server";
  readonly spiffeId: string;
  /** JSON array of strings. */
  readonly serverNames: string;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  readonly issuedAtMs: number;
  readonly issuedBy: string;
  readonly revokedAtMs: number | null;
  readonly revokedBy: string | null;
  readonly revokeReason: string | null;
}

const COLUMNS = `serial, kind, spiffe_id AS spiffeId, server_names AS serverNames, not_before_ms AS notBeforeMs,
  not_after_ms AS notAfterMs, issued_at_ms AS issuedAtMs, issued_by AS issuedBy, revoked_at_ms AS revokedAtMs,
  revoked_by AS revokedBy, revoke_reason AS revokeReason`;

export class CertificatesStore {
  readonly #insert;
  readonly #get;
  readonly #page;
  readonly #revoke;
  readonly #revoked;

  constructor(db: Db) {
    this.#insert = db.prepare<CertificateRow>(
      `INSERT OR IGNORE INTO certificates (serial, kind, spiffe_id, server_names, not_before_ms, not_after_ms, issued_at_ms,
         issued_by, revoked_at_ms, revoked_by, revoke_reason)
       VALUES (@serial, @kind, @spiffeId, @serverNames, @notBeforeMs, @notAfterMs, @issuedAtMs, @issuedBy, @revokedAtMs,
         @revokedBy, @revokeReason)`,
    );
    this.#get = db.prepare<[string], CertificateRow>(`SELECT ${COLUMNS} FROM certificates WHERE serial = ?`);
    // Newest first; the page key is (issued_at_ms, serial), so certificates issued in the same millisecond page too.
    this.#page = db.prepare<{ afterMs: number | null; afterSerial: string; spiffeId: string | null; prefix: number; limit: number }, CertificateRow>(
      `SELECT ${COLUMNS} FROM certificates
       WHERE (@afterMs IS NULL OR issued_at_ms < @afterMs OR (issued_at_ms = @afterMs AND serial < @afterSerial))
         AND (@spiffeId IS NULL OR spiffe_id = @spiffeId OR (@prefix = 1 AND substr(spiffe_id, 1, length(@spiffeId)) = @spiffeId))
       ORDER BY issued_at_ms DESC, serial DESC LIMIT @limit`,
    );
    this.#revoke = db.prepare<{ serial: string; atMs: number; by: string; reason: string }>(
      "UPDATE certificates SET revoked_at_ms = @atMs, revoked_by = @by, revoke_reason = @reason WHERE serial = @serial AND revoked_at_ms IS NULL",
    );
    this.#revoked = db.prepare<[], { serial: string }>("SELECT serial FROM certificates WHERE revoked_at_ms IS NOT NULL");
  }

  /** Records a certificate; one already recorded (same serial) is left as it is. */
  insert(row: CertificateRow): void {
    this.#insert.run(row);
  }

  get(serial: string): CertificateRow | undefined {
    return this.#get.get(serial);
  }

  page(query: { after?: { issuedAtMs: number; serial: string }; spiffeId?: string; limit: number }): CertificateRow[] {
    const spiffeId = query.spiffeId || null;
    return this.#page.all({
      afterMs: query.after?.issuedAtMs ?? null,
      afterSerial: query.after?.serial ?? "",
      spiffeId,
      prefix: spiffeId?.endsWith("/") ? 1 : 0,
      limit: query.limit,
    });
  }

  /** Marks a certificate revoked; answers false when it was already. */
  revoke(serial: string, by: string, reason: string, atMs: number): boolean {
    return this.#revoke.run({ serial, atMs, by, reason }).changes === 1;
  }

  /** Every revoked serial. */
  revokedSerials(): string[] {
    return this.#revoked.all().map((row) => row.serial);
  }
}
