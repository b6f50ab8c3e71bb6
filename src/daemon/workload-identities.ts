// Cells' workload identities, as the daemon provides them: per cell, a directory under the runtime dir holding an
// SVID (renewed on a timer once half its life is gone, so a node up for longer than its lifetime keeps working), the
// CA that verifies auraed, a client config naming them, and a socket served by auraed's own listeners whose callers
// reach only that cell's tree. Directories are named by a hash of the cell, since a socket path must stay under 108
// bytes whatever the cell's name.
import { X509Certificate, createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { WorkloadIdentities, WorkloadIdentity } from "../domain/cells/workload-identity.js";
import type { NewEvent } from "../domain/events/event.js";
import type { NodeCertificates } from "../domain/pki/node-certificates.js";
import { errnoCode } from "../errors.js";
import { writePkiFiles } from "../pki/files.js";
import { cellSpiffeId } from "./authz/cell-identity.js";
import type { TlsListeners } from "./tls/listeners.js";

const HOUR_MS = 3_600_000;

export interface CellSocketsDeps {
  readonly runtimeDir: string;
  readonly trustDomain: string;
  readonly certificates: NodeCertificates;
  /** An SVID's lifetime; it is renewed once half of it is gone. */
  readonly svidTtlMs: number;
  readonly events: { record(event: NewEvent): unknown };
  readonly log: Logger;
}

export class CellSockets implements WorkloadIdentities {
  #listeners: TlsListeners | undefined;
  /** Cells provided before the listeners existed (at reconcile): opened by serve(). */
  readonly #pending = new Set<string>();
  readonly #open = new Set<string>();
  #renewTimer: NodeJS.Timeout | undefined;
  #renewing = false;

  constructor(private readonly deps: CellSocketsDeps) {}

  describe(cell: string): WorkloadIdentity {
    const dir = this.#dir(cell);
    return { spiffeId: cellSpiffeId(this.deps.trustDomain, cell), socketPath: join(dir, "aurae.sock"), env: { AURAE_CONFIG: join(dir, "config") } };
  }

  async provide(cell: string): Promise<void> {
    await this.#renewIfDue(cell);
    if (this.#listeners) await this.#listen(cell);
    else this.#pending.add(cell);
  }

  /**
   * Renews each served cell's SVID once half its life is gone. One that fails is tried again on the next round, and
   * once less than a quarter of its life is left, each round records a `cell.identity_expiring` event.
   */
  async renewDue(): Promise<void> {
    if (this.#renewing) return;
    this.#renewing = true;
    try {
      for (const cell of [...this.#open]) {
        try {
          await this.#renewIfDue(cell);
        } catch (err) {
          const svid = await this.#svid(join(this.#dir(cell), "svid.crt"));
          this.deps.log.error({ err, cell, notAfter: svid?.validTo }, "renewing a workload identity failed");
          if (svid && msLeft(svid) < this.deps.svidTtlMs / 4)
            this.deps.events.record({ kind: "cell.identity_expiring", cell, attributes: { not_after: new Date(svid.validTo).toISOString(), reason: (err as Error).message } });
        }
      }
    } finally {
      this.#renewing = false;
    }
  }

  async #renewIfDue(cell: string): Promise<void> {
    const dir = this.#dir(cell);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const current = await this.#svid(join(dir, "svid.crt"));
    if (current && msLeft(current) >= this.deps.svidTtlMs / 2) return;
    const { spiffeId } = this.describe(cell);
    const notAfter = new Date(Date.now() + this.deps.svidTtlMs);
    const issued = await this.deps.certificates.issueWorkload(spiffeId, notAfter);
    await writePkiFiles(dir, { svid: { certPem: issued.certPem, keyPem: issued.keyPem }, ca: { certPem: issued.caPem } }, { overwrite: true });
    const config = `# The client config of cell ${cell}'s workloads, written by auraed.\n[auth]\nca_crt = "ca.crt"\nclient_crt = "svid.crt"\nclient_key = "svid.key"\n\n[system]\nsocket = "aurae.sock"\n`;
    await writeFile(join(dir, "config.tmp"), config, { mode: 0o600 });
    await rename(join(dir, "config.tmp"), join(dir, "config"));
    this.deps.log.info({ cell, notAfter, spiffeId }, "workload identity issued");
    if (!current) return;
    this.#revoke(current, "renewed");
    this.deps.events.record({ kind: "cell.identity_renewed", cell, attributes: { not_after: notAfter.toISOString() } });
  }

  /** Also revokes the SVID, so that it cannot act on a later cell of the same name. */
  async withdraw(cell: string): Promise<void> {
    this.#pending.delete(cell);
    if (this.#open.delete(cell)) this.#listeners?.close(doorName(cell), true);
    const svid = await this.#svid(join(this.#dir(cell), "svid.crt"));
    if (svid) this.#revoke(svid, "cell freed");
    await rm(this.#dir(cell), { recursive: true, force: true });
  }

  /** Opens the sockets of the cells provided so far; from now on provide() opens them at once. */
  async serve(listeners: TlsListeners): Promise<void> {
    this.#listeners = listeners;
    for (const cell of this.#pending) await this.#listen(cell);
    this.#pending.clear();
    const everyMs = Math.max(1000, Math.min(HOUR_MS, this.deps.svidTtlMs / 10));
    this.#renewTimer = setInterval(() => void this.renewDue(), everyMs).unref();
  }

  close(): void {
    clearInterval(this.#renewTimer);
  }

  async #listen(cell: string): Promise<void> {
    if (this.#open.has(cell)) return;
    const { socketPath } = this.describe(cell);
    await unlink(socketPath).catch((err: unknown) => {
      if (errnoCode(err) !== "ENOENT") throw err;
    });
    await this.#listeners!.listen({ kind: "unix", path: socketPath }, { name: doorName(cell), scope: [cell] });
    this.#open.add(cell);
  }

  /** The cell's current SVID, or undefined when there is none (or it is unreadable: it is then replaced). */
  async #svid(path: string): Promise<X509Certificate | undefined> {
    try {
      return new X509Certificate(await readFile(path));
    } catch {
      return undefined;
    }
  }

  #revoke(svid: X509Certificate, reason: string): void {
    try {
      this.deps.certificates.revoke(svid.serialNumber, reason, "auraed");
    } catch (err) {
      this.deps.log.warn({ err, serial: svid.serialNumber }, "could not revoke a workload SVID");
    }
  }

  #dir(cell: string): string {
    return join(this.deps.runtimeDir, "cells", createHash("sha256").update(cell).digest("hex").slice(0, 16));
  }
}

const doorName = (cell: string): string => `cell:${cell}`;
const msLeft = (svid: X509Certificate): number => Date.parse(svid.validTo) - Date.now();
