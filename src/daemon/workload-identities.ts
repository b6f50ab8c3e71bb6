// Cells' workload identities, as the daemon provides them: per cell, a directory under the runtime dir holding an
// SVID (renewed when half its life is gone), the CA that verifies auraed, a client config naming them, and a socket
// served by auraed's own listeners whose callers reach only that cell's tree. Directories are named by a hash of
// the cell, since a socket path must stay under 108 bytes whatever the cell's name.
import { X509Certificate, createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { WorkloadIdentities, WorkloadIdentity } from "../domain/cells/workload-identity.js";
import type { NodeCertificates } from "../domain/pki/node-certificates.js";
import { errnoCode } from "../errors.js";
import { writePkiFiles } from "../pki/files.js";
import { cellSpiffeId } from "./authz/cell-identity.js";
import type { TlsListeners } from "./tls/listeners.js";

const VALID_DAYS = 30;
const DAY_MS = 86_400_000;

export interface CellSocketsDeps {
  readonly runtimeDir: string;
  readonly trustDomain: string;
  readonly certificates: NodeCertificates;
  readonly log: Logger;
}

export class CellSockets implements WorkloadIdentities {
  #listeners: TlsListeners | undefined;
  /** Cells provided before the listeners existed (at reconcile): opened by serve(). */
  readonly #pending = new Set<string>();
  readonly #open = new Set<string>();

  constructor(private readonly deps: CellSocketsDeps) {}

  describe(cell: string): WorkloadIdentity {
    const dir = this.#dir(cell);
    return { spiffeId: cellSpiffeId(this.deps.trustDomain, cell), socketPath: join(dir, "aurae.sock"), env: { AURAE_CONFIG: join(dir, "config") } };
  }

  async provide(cell: string): Promise<void> {
    const dir = this.#dir(cell);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const current = await this.#svid(join(dir, "svid.crt"));
    if (!current || Date.parse(current.validTo) - Date.now() < (VALID_DAYS / 2) * DAY_MS) {
      const { spiffeId } = this.describe(cell);
      const issued = await this.deps.certificates.issueWorkload(spiffeId, VALID_DAYS);
      await writePkiFiles(dir, { svid: { certPem: issued.certPem, keyPem: issued.keyPem }, ca: { certPem: issued.caPem } }, { overwrite: true });
      const config = `# The client config of cell ${cell}'s workloads, written by auraed.\n[auth]\nca_crt = "ca.crt"\nclient_crt = "svid.crt"\nclient_key = "svid.key"\n\n[system]\nsocket = "aurae.sock"\n`;
      await writeFile(join(dir, "config.tmp"), config, { mode: 0o600 });
      await rename(join(dir, "config.tmp"), join(dir, "config"));
      this.deps.log.info({ cell, spiffeId }, "workload identity issued");
      if (current) this.#revoke(current, "renewed");
    }
    if (this.#listeners) await this.#listen(cell);
    else this.#pending.add(cell);
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
